package io.roam.cli;

import io.roam.cli.args.IdConverters;
import io.roam.core.NodeId;
import io.roam.proto.LocalRequest;
import io.roam.proto.WakeCmd;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code roam wake [NODE]}. */
@Command(name = "wake", mixinStandardHelpOptions = true,
        description = "Restore the jobs that 'roam sleep' put to disk on a node.")
final class WakeCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Parameters(paramLabel = "NODE", arity = "0..1", converter = IdConverters.Node.class,
            description = "The node (default: this machine's).")
    NodeId node;

    WakeCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var cmd = WakeCmd.newBuilder();
        if (node != null) cmd.setNode(node.value());
        var call = new AgentCall(ctx, verbosity);
        return call.send(LocalRequest.newBuilder().setWake(cmd).build(), AgentCall.SLOW, call::lines);
    }
}
