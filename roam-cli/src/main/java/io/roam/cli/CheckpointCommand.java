package io.roam.cli;

import io.roam.cli.args.IdConverters;
import io.roam.core.JobId;
import io.roam.proto.CheckpointCmd;
import io.roam.proto.LocalRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code roam checkpoint [--leave-running] JOB}: prints the checkpoint's id. */
@Command(name = "checkpoint", mixinStandardHelpOptions = true,
        description = {"Save a running job to disk with CRIU and print the checkpoint's id (JOB.N).",
            "The job stops, and 'roam restore' starts it again, unless --leave-running is given."})
final class CheckpointCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Option(names = "--leave-running", description = "Keep the job running after the dump (a snapshot).")
    boolean leaveRunning;

    @Parameters(paramLabel = "JOB", converter = IdConverters.Job.class, description = "The job's id.")
    JobId job;

    CheckpointCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var cmd = CheckpointCmd.newBuilder().setJob(job.value()).setLeaveRunning(leaveRunning);
        return new AgentCall(ctx, verbosity).send(LocalRequest.newBuilder().setCheckpoint(cmd).build(), AgentCall.SLOW, done -> {
            ctx.out().println(done.getId());
            return done.getExitCode();
        });
    }
}
