package io.roam.cli;

import io.roam.cli.args.IdConverters;
import io.roam.core.NodeId;
import io.roam.proto.LocalRequest;
import io.roam.proto.SleepCmd;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code roam sleep [NODE]}. */
@Command(name = "sleep", mixinStandardHelpOptions = true,
        description = {"Checkpoint every job of a node to disk and stop them, for example before a reboot.",
            "'roam wake' resumes them."})
final class SleepCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Parameters(paramLabel = "NODE", arity = "0..1", converter = IdConverters.Node.class,
            description = "The node (default: this machine's).")
    NodeId node;

    SleepCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var cmd = SleepCmd.newBuilder();
        if (node != null) cmd.setNode(node.value());
        var call = new AgentCall(ctx, verbosity);
        return call.send(LocalRequest.newBuilder().setSleep(cmd).build(), AgentCall.SLOW, call::lines);
    }
}
