package io.roam.coordinator.migration;

import io.roam.coordinator.agents.AgentClients;
import io.roam.coordinator.agents.AgentReply;
import io.roam.coordinator.jobs.Answer;
import io.roam.coordinator.jobs.JobLookup;
import io.roam.coordinator.jobs.JobTransitions;
import io.roam.coordinator.jobs.TransitionOutcome;
import io.roam.coordinator.migration.MigrationSteps.Ending;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.coordinator.store.ZkMigrationStore;
import io.roam.core.CheckpointId;
import io.roam.core.JobEvent;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.core.live.PageTransfer;
import io.roam.core.live.PageTransfer.Side;
import io.roam.proto.AgentRestoreReply;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.JobInfo;
import io.roam.proto.LiveAbortReply;
import io.roam.proto.LiveAbortRequest;
import io.roam.proto.LiveDumpReply;
import io.roam.proto.LiveDumpRequest;
import io.roam.proto.LivePagesReply;
import io.roam.proto.LivePagesRequest;
import io.roam.proto.LiveRestoreRequest;
import io.roam.proto.MigrationRecord;
import io.roam.proto.SendImageRequest;
import io.roam.proto.SignalJobRequest;
import io.roam.proto.TransferProgress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Post-copy migration: record → MIGRATING → lazy dump on the source (criu keeps the frozen tree and serves its pages)
 * → the small images to the target (Transfer.Send, verified there; the output files beside them, to a node that
 * does not share them) → lazy restore on the target → commit (the job is
 * RUNNING on the target; the record stays, phase "pages") → wait until both sides say the page transfer is over →
 * delete the record and images. Before the restore succeeded every failure gives the job back to the source (Abort:
 * criu lets go of the tree, which runs on with the same pid). After it, the migration is one-way: a broken transfer
 * makes the job LOST (see {@link PageTransfer}).
 */
final class LiveMigration {
    private static final Logger LOG = LoggerFactory.getLogger(LiveMigration.class);
    private static final Duration PAGES_DEADLINE = Duration.ofHours(1);
    private static final Duration SHORT = Duration.ofSeconds(30);
    /** The size the streamed transfer's deadline is reckoned for: the state of a job is a few MB; criu may take minutes. */
    private static final long STATE_BYTES_HINT = 1L << 30;

    private final ZkJobStore store;
    private final ZkMigrationStore migrations;
    private final JobTransitions transitions;
    private final AgentClients agents;
    private final TransferClients transfers;
    private final MigrationSteps steps;
    private final SpoolClients spools;
    private final String clusterId;
    private final LongSupplier clock;
    private final java.util.function.ToLongBiFunction<JobId, String> resident;   // a job's RSS on a node, from its reports

    LiveMigration(ZkJobStore store, ZkMigrationStore migrations, JobTransitions transitions, AgentClients agents, TransferClients transfers,
                  MigrationSteps steps, SpoolClients spools, String clusterId, LongSupplier clock,
                  java.util.function.ToLongBiFunction<JobId, String> resident) {
        this.resident = resident;
        this.spools = spools;
        this.store = store;
        this.migrations = migrations;
        this.transitions = transitions;
        this.agents = agents;
        this.transfers = transfers;
        this.steps = steps;
        this.clusterId = clusterId;
        this.clock = clock;
    }

    Answer<JobInfo> run(JobInfo j, NodeId source, NodeId dest, Consumer<String> progress) {
        JobId id = JobId.of(j.getId());
        long residentBefore = resident.applyAsLong(id, source.value());   // the source's latest report, before the freeze
        CheckpointId cid = CheckpointId.of(id, store.nextCheckpointSequence(id));
        MigrationRecord m = MigrationRecord.newBuilder().setJob(id.value()).setSource(source.value()).setTarget(dest.value())
                .setCheckpoint(cid.value()).setPhase("started").setStartedMs(clock.getAsLong()).setMode("live").build();
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
        // The small images travel while criu writes them (as in a cold migration): the transfer ends soon after the seal.
        boolean streamed = StreamedSend.enabled();
        say.accept("migrating job " + id + " from " + source + " to " + dest + " by live migration: dumping"
                + (streamed ? " and sending the state as it is written" : ""));
        SendImageRequest send = SendImageRequest.newBuilder().setCheckpoint(cid.value()).setJob(id.value()).setTargetNode(dest.value())
                .setTargetAddress(transfers.address(dest).orElse("")).setClusterId(clusterId).build();
        StreamedSend streaming = streamed
                ? StreamedSend.start(transfers, source, send, STATE_BYTES_HINT, p -> say.accept(MigrationOrchestrator.line(p, dest)))
                : null;
        long tDump = System.nanoTime();
        LiveDumpRequest dumpReq = LiveDumpRequest.newBuilder().setJob(migrating).setCheckpointId(cid.value()).setClusterId(clusterId).build();
        AgentReply<LiveDumpReply> dumped = transfers.live(source, MigrationSteps.CRIU_DEADLINE, a -> a.dump(dumpReq));
        if (!(dumped instanceof AgentReply.Answered<LiveDumpReply>(LiveDumpReply d) && d.getOk())) {
            if (streaming != null) streaming.cancel();
            String why = switch (dumped) {
                case AgentReply.Answered<LiveDumpReply>(LiveDumpReply d) -> JobLookup.firstLine(d.getError());
                case AgentReply.Unreachable<LiveDumpReply>(String u) -> u;
            };
            // A lazy dump that fails before it is ready gives the tree back, like a cold one: same pid on the source.
            return MigrationOrchestrator.answer(steps.stayed(m, "the live dump on " + source + " failed: " + why, j.getHostPid(), j.getHostPidStart()));
        }
        // The job is frozen from the moment the source's criu starts, which the source reports; from its reply on, our clock.
        long tReply = System.nanoTime();
        long dumpMs = d.getFrozenMs();
        String host = transfers.address(source).map(a -> a.substring(0, a.lastIndexOf(':'))).orElse("");
        CheckpointInfo image = d.getCheckpoint().toBuilder().setId(cid.value()).setJob(id.value()).setNode(source.value()).build();
        m = m.toBuilder().setPhase("dumped").setImage(image).setPageSource(host + ":" + d.getPagePort() + (d.getPageRelay() ? " (relayed by the agent)" : "")).build();
        // Recorded while the small images travel (the job is frozen meanwhile); awaited before the target restores, so a
        // record that cannot be written stops the migration where the sequential write did: before the job resumes there.
        MigrationRecord dumpedRecord = m;
        CompletableFuture<Void> recorded = CompletableFuture.runAsync(() -> migrations.put(dumpedRecord),
                r -> Thread.ofVirtual().name("live-record").start(r));
        long tRecorded = System.nanoTime();
        say.accept("dumped " + MigrationOrchestrator.mb(image.getSizeBytes()) + " of state in " + dumpMs
                + " ms (memory pages stay on " + source + " until fetched); sending to " + dest);
        // The job is frozen: its output files and TMPDIR are final, and travel beside the small images (to a node that
        // does not share them; where it does, the spool service only finds that out).
        CompletableFuture<SpoolClients.Shipment> shipping = CompletableFuture.supplyAsync(() -> spools.ship(source, dest, id),
                r -> Thread.ofVirtual().name("live-spool").start(r));
        TransferProgress sent = streaming != null ? streaming.await()
                : transfers.send(source, send, image.getSizeBytes(), p -> say.accept(MigrationOrchestrator.line(p, dest)));
        long tSent = System.nanoTime();
        awaitRecord(recorded);
        SpoolClients.Shipment spool = shipped(shipping);
        long tRecordedToo = System.nanoTime();
        if (!sent.getOk()) {
            dropCopy(spool, dest, id);
            return abort(m, "the transfer to " + dest + " failed: " + sent.getError());
        }
        if (!spool.ok()) return abort(m, "the job's output files could not follow it to " + dest + ": " + spool.error());
        if (!spool.shared()) say.accept("sent the job's output files and TMPDIR (" + MigrationOrchestrator.mb(spool.bytes()) + ") to " + dest);
        m = m.toBuilder().setPhase("transferred").build();
        CheckpointInfo there = image.toBuilder().setNode(dest.value()).setPath(sent.getPath()).build();
        LiveRestoreRequest restoreReq = LiveRestoreRequest.newBuilder().setJob(migrating).setCheckpoint(there).setClusterId(clusterId)
                .setPageHost(host).setPagePort(d.getPagePort()).setPageRelay(d.getPageRelay()).build();
        AgentReply<AgentRestoreReply> restored = transfers.live(dest, MigrationSteps.CRIU_DEADLINE, a -> a.restore(restoreReq));
        if (!MigrationSteps.ok(restored)) {
            var probe = transfers.probe(dest, id.value(), "");
            if (!(probe.isPresent() && probe.get().getHoldsJob() && probe.get().getAlive())) {
                dropCopy(spool, dest, id);
                return abort(m, "the restore on " + dest + " failed: " + MigrationSteps.why(restored));
            }
            restored = new AgentReply.Answered<>(AgentRestoreReply.newBuilder().setOk(true).setHostPid(probe.get().getHostPid())
                    .setHostPidStart(probe.get().getHostPidStart()).build());
        }
        long frozenMs = d.getFrozenMs() + ms(tReply);
        LOG.info("job {} resumed on {} after a freeze of {} ms: on {} {} ms (criu ready {} ms), dump call {} ms in all, transfer {} ms"
                + " (record beside it, {} ms more), restore {} ms", id, dest, frozenMs, source, d.getFrozenMs(), d.getCriuMs(),
                (tReply - tDump) / 1_000_000, (tSent - tRecorded) / 1_000_000, (tRecordedToo - tSent) / 1_000_000, ms(tRecordedToo));
        AgentRestoreReply r = ((AgentReply.Answered<AgentRestoreReply>) restored).value();
        JobInfo committed;
        switch (transitions.apply(id, new JobEvent.MigrationCommitted(dest, r.getHostPid(), r.getHostPidStart()))) {
            case TransitionOutcome.Applied a -> committed = a.job();
            case TransitionOutcome.Rejected x -> { return MigrationOrchestrator.answer(steps.lost(m, x.reason())); }
            case TransitionOutcome.Missing x -> { return MigrationOrchestrator.answer(steps.lost(m, "job " + id + " was removed during its migration")); }
        }
        m = m.toBuilder().setPhase("pages").setSpoolCopied(!spool.shared()).build();
        migrations.put(m);
        progress.accept("job " + id + " runs on " + dest + " (pid " + r.getHostPid() + "); frozen " + frozenMs + " ms; live: its pages follow from "
                + source + " on demand and in the background" + (d.getPageRelay() ? ", relayed by the two agents" : ""));
        // the job's resident memory on the source before the move: what the pages make up on the target. The source
        // agent reads it before the freeze; the source's latest report is the fallback (an older agent), and it may
        // predate the job's arrival there (a job moved in less than a report period ago: 0, unknown)
        long expected = d.getResidentBytes() > 0 ? d.getResidentBytes() : residentBefore;
        return pages(m, committed, source, dest, t0, frozenMs, synchronizedly(progress), expected);
    }

    private static SpoolClients.Shipment shipped(CompletableFuture<SpoolClients.Shipment> shipping) {
        try {
            return shipping.join();
        } catch (java.util.concurrent.CompletionException e) {
            return SpoolClients.Shipment.failed(String.valueOf(e.getCause() == null ? e : e.getCause().getMessage()));
        }
    }

    /** The target's copy of the output files, when the job does not go there after all (the source keeps its own). */
    private void dropCopy(SpoolClients.Shipment spool, NodeId dest, JobId id) {
        if (spool.ok() && !spool.shared()) spools.drop(dest, id);
    }

    /** The page phase: both sides report when their criu is done; the verdict is {@link PageTransfer#afterResume}. */
    private Answer<JobInfo> pages(MigrationRecord m, JobInfo committed, NodeId source, NodeId dest, long t0, long frozenMs, Consumer<String> progress,
                                  long expectedBytes) {
        PageEnds ends;
        JobId id = JobId.of(m.getJob());
        try (var ticker = PageProgress.start(() -> resident.applyAsLong(id, dest.value()), expectedBytes, dest.value(), progress,
                PageProgress.EVERY)) {
            ends = awaitPages(m.getJob(), source, dest);
        }
        AgentReply<LivePagesReply> srcReply = ends.source(), dstReply = ends.target();
        switch (PageTransfer.afterResume(source.value(), dest.value(), side(srcReply), side(dstReply))) {
            case PageTransfer.Verdict.Complete c -> {
                complete(m, source);
                long total = ms(t0);
                LOG.info("job {} migrated live {} -> {}: frozen {} ms, all pages after {} ms", m.getJob(), source, dest, frozenMs, total);
                progress.accept("all pages arrived on " + dest + " from " + source + " (source criu " + exit(srcReply)
                        + ", target lazy-pages " + exit(dstReply) + "); frozen " + frozenMs + " ms, total " + total + " ms");
                return Answer.ok(store.get(JobId.of(m.getJob())).map(v -> v.value()).orElse(committed));
            }
            case PageTransfer.Verdict.Lost l -> { return MigrationOrchestrator.answer(lose(m, dest, l.reason())); }
        }
    }

    /** How the page phase ended on each side: both asked at once, each call returns when that side's criu is done. */
    private record PageEnds(AgentReply<LivePagesReply> source, AgentReply<LivePagesReply> target) {}

    private PageEnds awaitPages(String job, NodeId source, NodeId dest) {
        LivePagesRequest req = LivePagesRequest.newBuilder().setJob(job).build();
        CompletableFuture<AgentReply<LivePagesReply>> src = CompletableFuture.supplyAsync(
                () -> transfers.live(source, PAGES_DEADLINE, a -> a.pages(req)), r -> Thread.ofVirtual().name("live-pages").start(r));
        AgentReply<LivePagesReply> dst = transfers.live(dest, PAGES_DEADLINE, a -> a.pages(req));
        return new PageEnds(src.join(), dst);
    }

    /**
     * Every page arrived: the images and the record go, and the source's copy of the output files once its frozen copy
     * of the job is gone too (when they were copied to the target: the nodes share no spool).
     */
    private void complete(MigrationRecord m, NodeId source) {
        steps.finished(m);
        if (m.getSpoolCopied()) spools.drop(source, JobId.of(m.getJob()));
    }

    /** The page phase broke after the commit: LOST with the reason, and no copy left on the target. */
    private Ending lose(MigrationRecord m, NodeId dest, String reason) {
        LOG.error("job {}: {}", m.getJob(), reason);
        Ending e = steps.lostAfterCommit(m, reason);
        // The target's agent kills its copy when its lazy-pages daemon fails; make sure of it when the target answered ok late.
        agents.call(dest, SHORT, a -> a.signalJob(SignalJobRequest.newBuilder().setJob(m.getJob()).setSignal(9).build()));
        return e;
    }

    /**
     * A page phase that a previous coordinator left (its record in phase "pages": the job was committed on the
     * target): waits for both sides as {@link #pages} does and ends it the same way (the images and the record go,
     * or the job is LOST with the reason); the source's copy of the output files goes too when the record says they
     * were copied to the target. Returns what happened, for the log.
     */
    String settle(MigrationRecord m) {
        NodeId source = NodeId.of(m.getSource()), dest = NodeId.of(m.getTarget());
        PageEnds ends = awaitPages(m.getJob(), source, dest);
        AgentReply<LivePagesReply> srcReply = ends.source(), dstReply = ends.target();
        boolean forgot = dstReply instanceof AgentReply.Answered<LivePagesReply>(LivePagesReply p) && p.getUnknown();
        boolean runs = forgot && transfers.probe(dest, m.getJob(), "").map(p -> p.getHoldsJob() && p.getAlive()).orElse(false);
        switch (PageTransfer.afterRestart(source.value(), dest.value(), side(srcReply), side(dstReply), forgot, runs)) {
            case PageTransfer.Verdict.Complete c -> {
                complete(m, source);
                return "every page arrived on " + dest + " from " + source + " (source criu " + exit(srcReply) + ", target lazy-pages "
                        + (forgot ? "unknown: its agent restarted; the job runs there" : exit(dstReply)) + ")";
            }
            case PageTransfer.Verdict.Lost l -> {
                lose(m, dest, l.reason());
                return "lost: " + l.reason();
            }
        }
    }

    /** Before the target resumed the job: the source's criu lets go of the tree, which runs on; if that fails too, LOST. */
    private Answer<JobInfo> abort(MigrationRecord m, String reason) {
        AgentReply<LiveAbortReply> a = transfers.live(NodeId.of(m.getSource()), SHORT,
                s -> s.abort(LiveAbortRequest.newBuilder().setJob(m.getJob()).build()));
        boolean answered = a instanceof AgentReply.Answered<LiveAbortReply>;
        boolean runs = a instanceof AgentReply.Answered<LiveAbortReply>(LiveAbortReply r) && r.getOk();
        return switch (PageTransfer.beforeResume(answered, runs)) {
            case RESUMED_ON_SOURCE -> {
                LiveAbortReply r = ((AgentReply.Answered<LiveAbortReply>) a).value();
                yield MigrationOrchestrator.answer(steps.stayed(m, reason, r.getHostPid(), r.getHostPidStart()));
            }
            case LOST -> MigrationOrchestrator.answer(steps.lost(m, reason + "; giving it back to " + m.getSource() + " failed: "
                    + switch (a) {
                        case AgentReply.Answered<LiveAbortReply>(LiveAbortReply r) -> r.getError();
                        case AgentReply.Unreachable<LiveAbortReply>(String u) -> u;
                    }));
        };
    }

    /** Waits for the record write started beside the transfer; its failure surfaces as the sequential write's did. */
    private static void awaitRecord(CompletableFuture<Void> recorded) {
        try {
            recorded.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    private static Side side(AgentReply<LivePagesReply> r) {
        return switch (r) {
            case AgentReply.Answered<LivePagesReply>(LivePagesReply p) -> new Side(true, p.getOk(), p.getError());
            case AgentReply.Unreachable<LivePagesReply>(String u) -> Side.unreachable(u);
        };
    }

    private static String exit(AgentReply<LivePagesReply> r) {
        return r instanceof AgentReply.Answered<LivePagesReply>(LivePagesReply p) ? "exit " + p.getExitCode() : "did not answer";
    }

    private static long ms(long t0) { return (System.nanoTime() - t0) / 1_000_000; }

    /** The page phase's lines come from its ticker and from the call's own thread. */
    private static Consumer<String> synchronizedly(Consumer<String> c) {
        Object lock = new Object();
        return line -> { synchronized (lock) { c.accept(line); } };
    }
}
