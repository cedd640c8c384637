package io.roam.coordinator.migration;

import io.roam.coordinator.agents.AgentClients;
import io.roam.coordinator.agents.AgentReply;
import io.roam.coordinator.jobs.Answer;
import io.roam.coordinator.jobs.JobLookup;
import io.roam.coordinator.jobs.JobTransitions;
import io.roam.coordinator.jobs.TransitionOutcome;
import io.roam.coordinator.membership.Membership;
import io.roam.coordinator.migration.MigrationSteps.Ending;
import io.roam.coordinator.placement.LeastLoadedPlacement;
import io.roam.coordinator.placement.Placement;
import io.roam.coordinator.store.Versioned;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.coordinator.store.ZkMigrationStore;
import io.roam.core.CheckpointId;
import io.roam.core.JobEvent;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.core.mode.MigrationMode;
import io.roam.core.mode.ModeDecision;
import io.roam.core.mode.ModeSettings;
import io.roam.proto.AgentRestoreReply;
import io.roam.proto.Caller;
import io.roam.proto.CheckReport;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.DumpJobReply;
import io.roam.proto.DumpJobRequest;
import io.roam.proto.InspectJobRequest;
import io.roam.proto.JobInfo;
import io.roam.proto.JobState;
import io.roam.proto.MigrationRecord;
import io.roam.proto.SendImageRequest;
import io.roam.proto.TransferProgress;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cold migration: check on the source → record the migration → MIGRATING → dump on the source → stream the image
 * to the target (verified there) → restore on the target → commit. Any failure before the commit resumes the job on
 * the source from the source's own image. Each phase is persisted in /roam/migrations/JOB for {@link MigrationRecovery}.
 */
public final class MigrationOrchestrator {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationOrchestrator.class);
    private static final Duration INSPECT_DEADLINE = Duration.ofSeconds(30);

    private final ZkJobStore store;
    private final ZkMigrationStore migrations;
    private final JobLookup lookup;
    private final JobTransitions transitions;
    private final AgentClients agents;
    private final TransferClients transfers;
    private final Membership membership;
    private final LeastLoadedPlacement placement;
    private final MigrationSteps steps;
    private final String clusterId;
    private final LongSupplier clock;
    private final ModeChoice modes;
    private final SpoolClients spools;
    private final LiveMigration live;

    MigrationOrchestrator(ZkJobStore store, ZkMigrationStore migrations, JobTransitions transitions, AgentClients agents,
                          TransferClients transfers, SpoolClients spools, Membership membership, LeastLoadedPlacement placement,
                          MigrationSteps steps, String clusterId, LongSupplier clock) {
        this.store = store;
        this.migrations = migrations;
        this.lookup = new JobLookup(store);
        this.transitions = transitions;
        this.agents = agents;
        this.transfers = transfers;
        this.spools = spools;
        this.membership = membership;
        this.placement = placement;
        this.steps = steps;
        this.clusterId = clusterId;
        this.clock = clock;
        this.modes = new ModeChoice(membership, ModeSettings.DEFAULTS);
        this.live = new LiveMigration(store, migrations, transitions, agents, transfers, steps, spools, clusterId, clock, membership::rss);
    }

    public Answer<JobInfo> migrate(Caller caller, String job, String to, String mode, boolean explain, Consumer<String> progress) {
        Optional<MigrationMode> asked = mode.isEmpty() ? Optional.empty() : MigrationMode.parse(mode);
        if (!mode.isEmpty() && asked.isEmpty()) {
            return Answer.refused(Answer.Kind.INVALID, "unknown migration mode '" + JobLookup.shorten(mode) + "': use cold, precopy or live");
        }
        Answer<Versioned<JobInfo>> found = lookup.find(caller, job);
        if (!(found instanceof Answer.Ok<Versioned<JobInfo>>(Versioned<JobInfo> v))) return ((Answer.Refused<Versioned<JobInfo>>) found).as();
        JobInfo j = v.value();
        if (j.getState() != JobState.RUNNING) {
            return Answer.refused(Answer.Kind.PRECONDITION, "job " + j.getId() + " is " + j.getState().name().toLowerCase(Locale.ROOT)
                    + ": only a running job can be migrated");
        }
        NodeId source = NodeId.of(j.getNode());
        Answer<NodeId> target = target(source, to);
        if (!(target instanceof Answer.Ok<NodeId>(NodeId dest))) return ((Answer.Refused<NodeId>) target).as();
        CheckReport check = inspect(source, j);
        if (!check.getMigratable()) {
            return Answer.refused(Answer.Kind.PRECONDITION, "job " + j.getId() + " cannot be migrated: " + String.join("; ", check.getReasonsList()));
        }
        ModeDecision decision = modes.decide(asked, j, source, dest);
        if (decision instanceof ModeDecision.Refused(String reason)) {
            return Answer.refused(Answer.Kind.PRECONDITION, "job " + j.getId() + ": " + reason);
        }
        ModeDecision.Chosen chosen = (ModeDecision.Chosen) decision;
        if (explain) {
            progress.accept("job " + j.getId() + " would move from " + source + " to " + dest + " by " + chosen.mode().flag()
                    + " migration: " + (to.isEmpty() ? "the least loaded node that is up and not draining" : "the node you named")
                    + "; " + chosen.explanation());
            return Answer.ok(j);
        }
        if (asked.isPresent() && asked.get() != chosen.mode()) progress.accept("moving by " + chosen.mode().flag() + " migration: " + chosen.explanation());
        if (transfers.probe(dest, j.getId(), "").isEmpty()) {
            return Answer.refused(Answer.Kind.UNAVAILABLE, "the agent on " + dest + " does not answer: start it or pick another node with --to");
        }
        if (chosen.mode() == MigrationMode.POST_COPY) return live.run(j, source, dest, progress);
        return run(j, source, dest, progress);
    }

    private Answer<JobInfo> run(JobInfo j, NodeId source, NodeId dest, Consumer<String> progress) {
        JobId id = JobId.of(j.getId());
        CheckpointId cid = CheckpointId.of(id, store.nextCheckpointSequence(id));
        MigrationRecord m = MigrationRecord.newBuilder().setJob(id.value()).setSource(source.value()).setTarget(dest.value())
                .setCheckpoint(cid.value()).setPhase("started").setStartedMs(clock.getAsLong()).build();
        migrations.put(m);
        JobInfo migrating;
        switch (transitions.apply(id, new JobEvent.MigrationStarted(dest, cid))) {
            case TransitionOutcome.Applied a -> migrating = a.job();
            case TransitionOutcome.Rejected r -> { migrations.delete(id); return Answer.refused(Answer.Kind.PRECONDITION, r.reason()); }
            case TransitionOutcome.Missing x -> { migrations.delete(id); return Answer.refused(Answer.Kind.NOT_FOUND, "no such job: " + id); }
        }
        long t0 = System.nanoTime();
        Object said = new Object();
        Consumer<String> say = line -> { synchronized (said) { progress.accept(line); } };   // the dump's and the transfer's threads
        boolean streamed = StreamedSend.enabled();
        say.accept("migrating job " + id + " from " + source + " to " + dest + " by cold migration: dumping" + (streamed ? " and sending as it is written" : ""));
        String destAddress = transfers.address(dest).orElse("");
        SendImageRequest send = SendImageRequest.newBuilder().setCheckpoint(cid.value()).setJob(id.value()).setTargetNode(dest.value())
                .setTargetAddress(destAddress).setClusterId(clusterId).build();
        StreamedSend streaming = streamed
                ? StreamedSend.start(transfers, source, send, Math.max(j.getRssBytes() * 2, 1L << 30), p -> say.accept(line(p, dest)))
                : null;
        DumpJobRequest dumpReq = DumpJobRequest.newBuilder().setJob(migrating).setCheckpointId(cid.value()).setLeaveRunning(false)
                .setClusterId(clusterId).build();
        AgentReply<DumpJobReply> dumped = agents.call(source, MigrationSteps.CRIU_DEADLINE, a -> a.dumpJob(dumpReq));
        if (!(dumped instanceof AgentReply.Answered<DumpJobReply>(DumpJobReply d) && d.getOk())) {
            if (streaming != null) streaming.cancel();
            String why = switch (dumped) {
                case AgentReply.Answered<DumpJobReply>(DumpJobReply d) -> JobLookup.firstLine(d.getError());
                case AgentReply.Unreachable<DumpJobReply>(String u) -> u;
            };
            // CRIU resumes the process when a dump fails: it still runs on the source with the same pid.
            return answer(steps.stayed(m, "the dump on " + source + " failed: " + why, j.getHostPid(), j.getHostPidStart()));
        }
        long freezeMs = (System.nanoTime() - t0) / 1_000_000;
        CheckpointInfo image = d.getCheckpoint().toBuilder().setId(cid.value()).setJob(id.value()).setNode(source.value()).build();
        m = m.toBuilder().setPhase("dumped").setImage(image).build();
        migrations.put(m);
        say.accept("dumped " + mb(image.getSizeBytes()) + " in " + freezeMs + " ms; sending to " + dest);
        TransferProgress sent = streaming != null ? streaming.await()
                : transfers.send(source, send, image.getSizeBytes(), p -> say.accept(line(p, dest)));
        if (!sent.getOk()) return answer(steps.rollBack(m, "the transfer to " + dest + " failed: " + sent.getError()));
        progress.accept(line(sent, dest) + ", verified on " + dest);
        m = m.toBuilder().setPhase("transferred").build();
        migrations.put(m);
        SpoolClients.Shipment spool = spools.ship(source, dest, id);
        if (!spool.ok()) return answer(steps.rollBack(m, "the job's output files could not follow it to " + dest + ": " + spool.error()));
        if (!spool.shared()) progress.accept("sent the job's output files and TMPDIR (" + mb(spool.bytes()) + ") to " + dest);
        CheckpointInfo there = image.toBuilder().setNode(dest.value()).setPath(sent.getPath()).build();
        AgentReply<AgentRestoreReply> restored = steps.restore(dest, migrating, there);
        if (MigrationSteps.ok(restored)) {
            AgentRestoreReply r = ((AgentReply.Answered<AgentRestoreReply>) restored).value();
            Ending e = steps.commit(m, r.getHostPid(), r.getHostPidStart());
            if (!spool.shared() && e instanceof Ending.Committed) spools.drop(source, id);
            LOG.info("job {} migrated {} -> {}: frozen {} ms after the dump started, total {} ms, {} at {} MB/s", id, source, dest,
                    freezeMs, (System.nanoTime() - t0) / 1_000_000, mb(sent.getBytesSent()), String.format(Locale.ROOT, "%.1f", sent.getMbPerS()));
            progress.accept("job " + id + " runs on " + dest + " (pid " + r.getHostPid() + "); total " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            return answer(e);
        }
        // The restore may have happened even though we got no answer: never resume on the source while the target runs it.
        var probe = transfers.probe(dest, id.value(), "");
        if (probe.isPresent() && probe.get().getHoldsJob() && probe.get().getAlive()) {
            Ending e = steps.commit(m, probe.get().getHostPid(), probe.get().getHostPidStart());
            if (!spool.shared() && e instanceof Ending.Committed) spools.drop(source, id);
            return answer(e);
        }
        if (!spool.shared()) spools.drop(dest, id);
        return answer(steps.rollBack(m, "the restore on " + dest + " failed: " + MigrationSteps.why(restored)));
    }

    /** Post-copy's part (the recovery of a page phase a previous coordinator left). */
    LiveMigration live() { return live; }

    static Answer<JobInfo> answer(Ending e) {
        return switch (e) {
            case Ending.Committed c -> Answer.ok(c.job());
            case Ending.RolledBack r -> Answer.refused(Answer.Kind.PRECONDITION, "job " + r.job().getId() + " was not moved and runs on "
                    + r.job().getNode() + " again: " + r.reason());
            case Ending.Lost l -> Answer.refused(Answer.Kind.PRECONDITION, "job " + l.job().getId() + " is lost: " + l.reason());
            case Ending.Vanished v -> Answer.refused(Answer.Kind.PRECONDITION, v.reason());
        };
    }

    /** The named node, or the policy's choice among the others; never the source, never a node that is down or draining. */
    Answer<NodeId> target(NodeId source, String to) {
        if (!to.isEmpty()) {
            NodeId n;
            try {
                n = NodeId.of(to);
            } catch (IllegalArgumentException e) {
                return Answer.refused(Answer.Kind.INVALID, "invalid node name '" + JobLookup.shorten(to) + "'");
            }
            var info = membership.node(n);
            if (info.isEmpty()) return Answer.refused(Answer.Kind.NOT_FOUND, "no such node: " + to + " (roam nodes lists them)");
            if (n.equals(source)) return Answer.refused(Answer.Kind.PRECONDITION, "the job already runs on " + to + ": pick another node");
            if (Membership.DOWN.equals(info.get().getState())) return Answer.refused(Answer.Kind.UNAVAILABLE, "node " + to + " is down: start its agent or pick another node");
            if (Membership.DRAINING.equals(info.get().getState())) return Answer.refused(Answer.Kind.PRECONDITION, "node " + to + " is draining: roam undrain " + to + " first, or pick another node");
            if (Membership.OWNER.equals(info.get().getState())) return Answer.refused(Answer.Kind.PRECONDITION, "node " + to + " is in use by its owner: pick another node");
            return Answer.ok(n);
        }
        return switch (placement.place(membership.candidates().stream().filter(c -> !c.node().equals(source)).toList())) {
            case Placement.Placed p -> Answer.ok(p.node());
            case Placement.Unplaced u -> Answer.refused(Answer.Kind.UNAVAILABLE, "no other node can take the job: " + u.reason());
        };
    }

    CheckReport inspect(NodeId node, JobInfo j) {
        InspectJobRequest req = InspectJobRequest.newBuilder().setJob(j.getId()).setHostPid(j.getHostPid()).build();
        return switch (agents.call(node, INSPECT_DEADLINE, a -> a.inspectJob(req))) {
            case AgentReply.Answered<CheckReport>(CheckReport r) -> r;
            case AgentReply.Unreachable<CheckReport>(String why) -> CheckReport.newBuilder().setMigratable(false).addReasons(why).build();
        };
    }

    static String line(TransferProgress p, NodeId dest) {
        String codec = p.getCodec().isEmpty() ? "" : ", " + p.getCodec();
        String resumed = p.getResumes() == 0 ? "" : String.format(Locale.ROOT, ", resumed %d× (%s were not sent again)", p.getResumes(), mb(p.getResumedBytes()));
        return String.format(Locale.ROOT, "sent %s of %s to %s (%s on the wire%s%s), %.1f MB/s", mb(p.getBytesSent()), mb(p.getTotalBytes()),
                dest, mb(p.getWireBytes()), codec, resumed, p.getMbPerS());
    }

    static String mb(long bytes) { return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6); }
}
