package io.roam.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code roam version}. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print roam's version and the Java it runs on.")
final class VersionCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    VersionCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        ctx.out().println(RoamVersion.line());
        return 0;
    }
}
