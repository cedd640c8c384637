package io.roam.cli;

import io.roam.cli.args.IdConverters;
import io.roam.core.NodeId;
import io.roam.proto.LocalRequest;
import io.roam.proto.UndrainCmd;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code roam undrain NODE}. */
@Command(name = "undrain", mixinStandardHelpOptions = true, description = "Let new jobs land on a drained node again.")
final class UndrainCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Parameters(paramLabel = "NODE", converter = IdConverters.Node.class, description = "The node.")
    NodeId node;

    UndrainCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var call = new AgentCall(ctx, verbosity);
        return call.send(LocalRequest.newBuilder().setUndrain(UndrainCmd.newBuilder().setNode(node.value())).build(), AgentCall.QUICK, call::lines);
    }
}
