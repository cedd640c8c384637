package io.roam.cli;

import io.roam.cli.args.IdConverters;
import io.roam.core.JobId;
import io.roam.proto.LocalRequest;
import io.roam.proto.RemoveCmd;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code roam rm JOB}. */
@Command(name = "rm", mixinStandardHelpOptions = true,
        description = "Remove a finished or checkpointed job: its record, its kept output and its checkpoint images.")
final class RemoveCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Parameters(paramLabel = "JOB", converter = IdConverters.Job.class, description = "The job's id.")
    JobId job;

    RemoveCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var call = new AgentCall(ctx, verbosity);
        var request = LocalRequest.newBuilder().setRemove(RemoveCmd.newBuilder().setJob(job.value())).build();
        return call.send(request, AgentCall.QUICK, call::lines);
    }
}
