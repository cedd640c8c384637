package io.roam.cli;

import io.roam.cli.render.Tables;
import io.roam.proto.LocalRequest;
import io.roam.proto.NodesCmd;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code roam nodes}. */
@Command(name = "nodes", mixinStandardHelpOptions = true,
        description = {"List the cluster's nodes: ID ADDRESS STATE JOBS RUNNABLE CPU%% MEM-FREE.",
            "STATE is up, draining (roam drain), owner (its owner is using the machine: nothing new lands there) or down.",
            "RUNNABLE is the run queue, CPU%% the CPU pressure (PSI, some avg10), MEM-FREE the available memory."})
final class NodesCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    NodesCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var request = LocalRequest.newBuilder().setNodes(NodesCmd.getDefaultInstance()).build();
        return new AgentCall(ctx, verbosity).send(request, AgentCall.QUICK, done -> {
            ctx.out().print(Tables.nodes(done.getNodesList()));
            return done.getExitCode();
        });
    }
}
