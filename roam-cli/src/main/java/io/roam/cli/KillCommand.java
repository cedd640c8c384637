package io.roam.cli;

import io.roam.cli.args.IdConverters;
import io.roam.cli.args.SignalConverter;
import io.roam.core.JobId;
import io.roam.proto.KillCmd;
import io.roam.proto.LocalRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code roam kill [-s SIG] JOB}. */
@Command(name = "kill", mixinStandardHelpOptions = true,
        description = "Send a signal to a job's processes (default TERM), wherever the job runs.")
final class KillCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Option(names = {"-s", "--signal"}, paramLabel = "SIG", defaultValue = "TERM", converter = SignalConverter.class,
            description = "The signal: a name (TERM, SIGTERM, KILL, INT, HUP, USR1, …) or a number (default: ${DEFAULT-VALUE}).")
    int signal;

    @Parameters(paramLabel = "JOB", converter = IdConverters.Job.class, description = "The job's id.")
    JobId job;

    KillCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var call = new AgentCall(ctx, verbosity);
        var request = LocalRequest.newBuilder().setKill(KillCmd.newBuilder().setJob(job.value()).setSignal(signal)).build();
        return call.send(request, AgentCall.QUICK, call::lines);
    }
}
