package io.roam.cli;

import io.roam.cli.args.IdConverters;
import io.roam.core.JobId;
import io.roam.proto.LocalRequest;
import io.roam.proto.LogsCmd;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code roam logs [-f] [--stdout|--stderr] JOB}: the job's output, stdout to stdout and stderr to stderr. */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = {"Print a job's output: its stdout on stdout, its stderr on stderr.",
            "With -f, keep following it (wherever the job moves) until the job ends or you press Ctrl-C."})
final class LogsCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new output until the job ends.")
    boolean follow;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Only only;

    static final class Only {
        @Option(names = "--stdout", required = true, description = "Only the job's stdout.")
        boolean stdout;

        @Option(names = "--stderr", required = true, description = "Only the job's stderr.")
        boolean stderr;
    }

    @Parameters(paramLabel = "JOB", converter = IdConverters.Job.class, description = "The job's id.")
    JobId job;

    LogsCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var logs = LogsCmd.newBuilder().setJob(job.value()).setFollow(follow);
        if (only != null) logs.setStdoutOnly(only.stdout).setStderrOnly(only.stderr);
        var call = new AgentCall(ctx, verbosity);
        return call.send(LocalRequest.newBuilder().setLogs(logs).build(), follow ? AgentCall.UNBOUNDED : AgentCall.QUICK,
                call::lines);
    }
}
