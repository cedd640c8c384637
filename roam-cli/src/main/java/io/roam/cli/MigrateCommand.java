package io.roam.cli;

import io.roam.cli.args.IdConverters;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.proto.LocalRequest;
import io.roam.proto.MigrateCmd;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code roam migrate JOB [--to NODE] [--mode cold|--live] [--explain]}: prints the node the job runs on afterwards. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {"Move a running job to another node: it keeps its id, its output and its state.",
            "",
            "Cold migration: the job is frozen, its image streamed to the target and restored there; if anything fails"
                + " before the move is committed, the job resumes where it was.",
            "",
            "Live (post-copy) migration, --live: the job is frozen, only its small state (no memory pages) goes to the"
                + " target, which resumes it at once; its memory pages follow from the source, on demand and in the"
                + " background, over TLS with the cluster's certificates (a user's job's pages are relayed by the two"
                + " agents, so the user's criu never holds a node's key). Until the last page has arrived the source keeps"
                + " them: if the source (its node, its agent's page server, or the link) dies mid-transfer, the job cannot"
                + " go on and is reported LOST with the reason. A failure before the target resumed it (dump, transfer,"
                + " restore) gives the job back to the source, running with the same pid. The progress says 'frozen N ms',"
                + " then every 2 s how much of the job's memory is resident on the target, and 'total N ms' when every page"
                + " has arrived.",
            "",
            "Without --mode, roam chooses: cold under 256 MiB; above it pre-copy when the source kernel has soft-dirty"
                + " tracking (not in this version), else live when both nodes serve lazy pages, else cold. --mode precopy"
                + " falls back to live or cold and says so; --explain prints the choice and why.",
            ""})
final class MigrateCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Parameters(paramLabel = "JOB", converter = IdConverters.Job.class, description = "The job's id.")
    JobId job;

    @Option(names = "--to", paramLabel = "NODE", converter = IdConverters.Node.class,
            description = "The target node (default: the least loaded other node).")
    NodeId to;

    @Option(names = "--mode", paramLabel = "MODE", description = "cold, precopy or live (default: roam chooses; see above). precopy falls back when the kernel lacks soft-dirty tracking.")
    String mode = "";

    @Option(names = "--live", description = "Post-copy live migration, the same as --mode live (one-way: see above).")
    boolean live;

    @Option(names = "--explain", description = "Say where and by which mode the job would move, and why, and do nothing.")
    boolean explain;

    MigrateCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var cmd = MigrateCmd.newBuilder().setJob(job.value()).setMode(live ? "live" : mode).setExplain(explain);
        if (to != null) cmd.setTo(to.value());
        return new AgentCall(ctx, verbosity).send(LocalRequest.newBuilder().setMigrate(cmd).build(), AgentCall.SLOW, done -> {
            if (!explain && done.getJobsCount() > 0) ctx.out().println(done.getJobs(0).getNode());
            return done.getExitCode();
        });
    }
}
