package io.roam.cli;

import io.roam.cli.args.IdConverters;
import io.roam.core.JobId;
import io.roam.proto.CheckCmd;
import io.roam.proto.CheckReport;
import io.roam.proto.LocalRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code roam check JOB}: whether the job can be checkpointed, and if not, why. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Tell whether a job can be checkpointed (and so moved), without stopping it.",
            "Exit 0 when it can; otherwise one line per reason and exit 1. Warnings go to stderr."})
final class CheckCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Parameters(paramLabel = "JOB", converter = IdConverters.Job.class, description = "The job's id.")
    JobId job;

    CheckCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var request = LocalRequest.newBuilder().setCheck(CheckCmd.newBuilder().setJob(job.value())).build();
        return new AgentCall(ctx, verbosity).send(request, AgentCall.QUICK, done -> render(done.getCheck()));
    }

    private int render(CheckReport report) {
        report.getWarningsList().forEach(w -> ctx.err().println("warning: " + w));
        if (report.getMigratable()) {
            ctx.out().println(job + " can be checkpointed");
            return 0;
        }
        if (report.getReasonsCount() == 0) ctx.out().println(job + " cannot be checkpointed (the agent gave no reason)");
        report.getReasonsList().forEach(ctx.out()::println);
        return 1;
    }
}
