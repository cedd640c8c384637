package io.roam.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code roam}: the root command. Its subcommands are added by {@link RoamCli}. */
@Command(name = "roam", mixinStandardHelpOptions = true, versionProvider = RoamVersion.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Run unmodified Linux programs as jobs that can be checkpointed, restored and moved between machines.",
        footer = {"", "Start roam on this machine with 'sudo roam up'. 'roam COMMAND --help' describes a command."})
public final class RoamCommand implements Callable<Integer> {
    @Mixin
    Verbosity verbosity;

    @Spec
    CommandSpec spec;

    /** {@code roam} alone: the usage, on stderr, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return spec.exitCodeOnInvalidInput();
    }
}
