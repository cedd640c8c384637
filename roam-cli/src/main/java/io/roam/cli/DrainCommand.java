package io.roam.cli;

import io.roam.cli.args.IdConverters;
import io.roam.core.NodeId;
import io.roam.proto.DrainCmd;
import io.roam.proto.LocalRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code roam drain NODE}: one line per job (moved to, or why it cannot move). */
@Command(name = "drain", mixinStandardHelpOptions = true,
        description = {"Stop placing jobs on a node and migrate every job off it; lists the jobs that cannot move, and why.",
            "'roam undrain' opens the node again."})
final class DrainCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Parameters(paramLabel = "NODE", converter = IdConverters.Node.class, description = "The node to empty.")
    NodeId node;

    DrainCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var call = new AgentCall(ctx, verbosity);
        return call.send(LocalRequest.newBuilder().setDrain(DrainCmd.newBuilder().setNode(node.value())).build(), AgentCall.UNBOUNDED, done -> {
            int code = call.lines(done);
            if (code != 0) ctx.err().println("roam: error: some jobs could not move off " + node + ": see above");
            return code;
        });
    }
}
