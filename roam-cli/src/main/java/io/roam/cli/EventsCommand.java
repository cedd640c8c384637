package io.roam.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.roam.cli.args.IdConverters;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.proto.EventsCmd;
import io.roam.proto.LocalRequest;
import io.roam.proto.RoamEvent;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code roam events [--follow] [--json] [--job JOB] [--node NODE]}: the balancer's decisions and node state changes. */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = {"Show the coordinator's decisions and state changes, oldest first: TIME KIND JOB NODE REASON.",
            "Kinds: migrate (the balancing policy moves a job), evict (its node's owner is back), migrated, migrate-failed,",
            "owner-active, owner-idle. The last 1000 are kept. A user sees the events of their own jobs and the nodes'; root all."})
final class EventsCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new events as they happen (until interrupted).")
    boolean follow;

    @Option(names = "--json", description = "Print one JSON object per event and line (protobuf JSON, field names as in balance.proto).")
    boolean json;

    @Option(names = "--job", paramLabel = "JOB", converter = IdConverters.Job.class, description = "Only the events of this job.")
    JobId job;

    @Option(names = "--node", paramLabel = "NODE", converter = IdConverters.Node.class,
            description = "Only the events about this node (as a migration's source or target).")
    NodeId node;

    @Option(names = "--last", paramLabel = "N", description = "Only the newest N events (before following).")
    int last;

    EventsCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        if (last < 0) {
            ctx.err().println("roam: error: --last must be ≥ 0, got " + last);
            return 1;
        }
        var cmd = EventsCmd.newBuilder().setFollow(follow).setJson(json).setLast(last);
        if (job != null) cmd.setJob(job.value());
        if (node != null) cmd.setNode(node.value());
        var request = LocalRequest.newBuilder().setEvents(cmd).build();
        return new AgentCall(ctx, verbosity).send(request, follow ? AgentCall.UNBOUNDED : AgentCall.QUICK,
                e -> ctx.out().println(json ? json(e) : line(e, ctx.clock().getZone())), done -> done.getExitCode());
    }

    static String line(RoamEvent e, ZoneId zone) {
        String when = TIME.format(Instant.ofEpochMilli(e.getTimeMs()).atZone(zone));
        String where = e.getTarget().isEmpty() ? e.getNode() : e.getNode() + " -> " + e.getTarget();
        return String.format(Locale.ROOT, "%s  %-14s %-16s %-10s %s", when, e.getKind(), e.getJob().isEmpty() ? "-" : e.getJob(), where, e.getReason());
    }

    static String json(RoamEvent e) {
        try {
            return JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace().print(e);
        } catch (InvalidProtocolBufferException x) {
            throw new IllegalStateException("cannot print an event as JSON", x);
        }
    }
}
