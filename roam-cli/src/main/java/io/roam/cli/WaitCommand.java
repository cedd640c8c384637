package io.roam.cli;

import io.roam.cli.args.DurationConverter;
import io.roam.cli.args.IdConverters;
import io.roam.core.JobId;
import io.roam.proto.LocalRequest;
import io.roam.proto.WaitCmd;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code roam wait [--timeout DURATION] JOB}: exits with the job's exit code. */
@Command(name = "wait", mixinStandardHelpOptions = true,
        description = {"Wait until a job ends, and exit with its exit code (128+N when signal N killed it).",
            "The job may be checkpointed, restored or moved meanwhile: roam keeps waiting."})
final class WaitCommand implements Callable<Integer> {
    /** How much longer than --timeout the CLI listens before it gives up on the agent itself. */
    static final Duration GRACE = Duration.ofSeconds(30);

    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Give up after this long (30s, 5m, 1h30m, …; default: wait forever).")
    Duration timeout;

    @Parameters(paramLabel = "JOB", converter = IdConverters.Job.class, description = "The job's id.")
    JobId job;

    WaitCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var wait = WaitCmd.newBuilder().setJob(job.value());
        Optional<Duration> idle = AgentCall.UNBOUNDED;
        if (timeout != null) {
            wait.setTimeoutMs(Math.max(1, timeout.toMillis()));
            idle = Optional.of(timeout.plus(GRACE));
        }
        var call = new AgentCall(ctx, verbosity);
        return call.send(LocalRequest.newBuilder().setWait(wait).build(), idle, call::lines);
    }
}
