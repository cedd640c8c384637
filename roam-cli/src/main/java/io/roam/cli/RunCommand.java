package io.roam.cli;

import io.roam.cli.args.DurationConverter;
import io.roam.cli.args.IdConverters;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.proto.LocalRequest;
import io.roam.proto.RunCmd;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code roam run [--name NAME] [--node NODE] [--checkpoint-every DURATION] -- CMD ARGS…}: starts a job; prints its id. */
@Command(name = "run", mixinStandardHelpOptions = true, showEndOfOptionsDelimiterInUsageHelp = true,
        description = {"Start CMD as a roam job in the background and print the job's id.",
            "The job runs as you, in this directory, with this environment; stdin is /dev/null, and its output is "
                + "kept for 'roam logs'. Options after CMD belong to CMD."})
final class RunCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Spec
    CommandSpec spec;

    @Option(names = "--name", paramLabel = "NAME", converter = IdConverters.Job.class,
            description = "The job's id: letters, digits, '-' or '_' (default: a generated one such as j7kq2mx).")
    JobId name;

    @Option(names = "--node", paramLabel = "NODE", converter = IdConverters.Node.class,
            description = "Run on this node (default: the node roam picks).")
    NodeId node;

    @Option(names = "--net",
            description = "Give the job its own network namespace and an address of its own, unique in the cluster: its TCP "
                + "connections survive migration (roam ps shows the address).")
    boolean net;

    @Option(names = "--checkpoint-every", paramLabel = "DURATION", converter = DurationConverter.class,
            description = {"Keep a recent image of the job on another node, taken this often with the job left running "
                + "(e.g. 10s, 5m; at least 1s). When the job's node dies, roam restarts the job from that image on the "
                + "node holding it, " + "and 'roam events' says how much work was lost."})
    Duration checkpointEvery;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command to run and its arguments.")
    List<String> command;

    RunCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var run = RunCmd.newBuilder().addAllArgv(command).setCwd(ctx.cwd().toString()).putAllEnv(ctx.env())
                .removeEnv(CliContext.DIST_ENV); // set by bin/roam, not by the caller's shell
        if (name != null) run.setName(name.value());
        if (node != null) run.setNode(node.value());
        if (net) run.setNet(true);

        if (checkpointEvery != null) {
            if (checkpointEvery.toMillis() < 1000) {
                throw new ParameterException(spec.commandLine(), "--checkpoint-every must be at least 1s, not " + checkpointEvery.toMillis() + " ms");
            }
            run.setCheckpointEveryMs(checkpointEvery.toMillis());
        }
        return new AgentCall(ctx, verbosity).send(LocalRequest.newBuilder().setRun(run).build(), AgentCall.QUICK, done -> {
            ctx.out().println(done.getId());
            return done.getExitCode();
        });
    }
}
