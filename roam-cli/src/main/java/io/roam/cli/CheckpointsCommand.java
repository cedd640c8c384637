package io.roam.cli;

import io.roam.cli.args.IdConverters;
import io.roam.cli.render.Tables;
import io.roam.core.JobId;
import io.roam.proto.CheckpointsCmd;
import io.roam.proto.LocalRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code roam checkpoints [JOB]}. */
@Command(name = "checkpoints", mixinStandardHelpOptions = true,
        description = {"List checkpoints: CHECKPOINT JOB NODE AGE SIZE STATE.",
            "STATE is 'stopped' (the job waits in it), 'snapshot' (taken with --leave-running), 'sleep' "
                + "(taken by 'roam sleep', resumed by 'roam wake') or 'kept' (the latest --checkpoint-every image, held "
                + "on another node than the job's)."})
final class CheckpointsCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Parameters(paramLabel = "JOB", arity = "0..1", converter = IdConverters.Job.class,
            description = "Only this job's checkpoints (default: all of yours).")
    JobId job;

    CheckpointsCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var cmd = CheckpointsCmd.newBuilder();
        if (job != null) cmd.setJob(job.value());
        return new AgentCall(ctx, verbosity).send(LocalRequest.newBuilder().setCheckpoints(cmd).build(), AgentCall.QUICK, done -> {
            ctx.out().print(Tables.checkpoints(done.getCheckpointsList(), ctx.clock().instant()));
            return done.getExitCode();
        });
    }
}
