package io.roam.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Mixin for {@code -v}, accepted on {@code roam} and on every subcommand ({@code roam -v ps} = {@code roam ps -v}).
 * -v says what roam does; -vv also prints the stack trace of an unexpected error.
 */
public final class Verbosity {
    /** The field name under which every command mixes this in. */
    public static final String MIXIN_NAME = "verbosity";

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "-v", description = "Verbose: -v says what roam does, -vv also shows stack traces of unexpected errors.")
    boolean[] flags = new boolean[0];

    /** How many -v were given on this command and its parents. */
    public int level() { return level(mixee); }

    public static int level(CommandSpec spec) {
        int n = 0;
        for (CommandSpec s = spec; s != null; s = s.parent()) {
            CommandSpec m = s.mixins().get(MIXIN_NAME);
            if (m != null && m.userObject() instanceof Verbosity v) n += v.flags.length;
        }
        return n;
    }
}
