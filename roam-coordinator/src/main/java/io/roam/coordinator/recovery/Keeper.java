package io.roam.coordinator.recovery;

import io.roam.coordinator.balance.EventLog;
import io.roam.coordinator.checkpoints.Checkpoints;
import io.roam.coordinator.jobs.Answer;
import io.roam.coordinator.jobs.JobRecords;
import io.roam.coordinator.jobs.JobTransitions;
import io.roam.coordinator.jobs.TransitionOutcome;
import io.roam.coordinator.loop.TickLoop;
import io.roam.coordinator.membership.Membership;
import io.roam.coordinator.migration.MigrationService;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.core.CheckpointId;
import io.roam.core.JobEvent;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.core.recovery.KeeperPolicy;
import io.roam.core.recovery.KeeperPolicy.Action;
import io.roam.proto.Caller;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.JobInfo;
import io.roam.proto.NodeInfo;
import io.roam.proto.TransferProgress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's loop for {@code roam run --checkpoint-every}: once a second it asks {@link KeeperPolicy} which jobs are
 * due for an image and which must restart because their node died, and carries it out. An image is taken with the
 * job left running, streamed to another node (verified there, like a migration's), recorded there as the job's kept
 * image, and deleted on the job's node; the previous kept image goes. A job whose node stays down is marked lost and
 * restored from its kept image on the node that holds it; {@code roam events} says how much work was lost.
 */
public final class Keeper implements AutoCloseable {
    static final Duration TICK = Duration.ofSeconds(1);
    /** How long a node must stay down before its jobs restart elsewhere: an agent restart takes a few seconds. */
    public static final Duration RESTART_AFTER = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(Keeper.class);
    private static final Caller ROAM = Caller.newBuilder().setUid(0).setGid(0).setUser("roam-keeper").build();

    private final KeeperPolicy policy;
    private final ZkJobStore store;
    private final Membership membership;
    private final Checkpoints checkpoints;
    private final JobTransitions transitions;
    private final MigrationService migration;
    private final EventLog events;
    private final String clusterId;
    private final LongSupplier clock;
    private final Map<NodeId, Long> downSince = new HashMap<>();
    /** The newest kept image per job, as this leader knows it (loaded from the records on first sight). */
    private final Map<JobId, KeeperPolicy.Kept> kept = new ConcurrentHashMap<>();
    private final Set<JobId> loaded = new HashSet<>();
    private final Set<JobId> busy = ConcurrentHashMap.newKeySet();
    /** After a failed attempt: not before this time again. */
    private final Map<JobId, Long> notBefore = new ConcurrentHashMap<>();
    private final TickLoop loop;

    public Keeper(Duration restartAfter, ZkJobStore store, Membership membership, Checkpoints checkpoints, JobTransitions transitions,
                  MigrationService migration, EventLog events, String clusterId, LongSupplier clock) {
        this.policy = new KeeperPolicy(restartAfter.toMillis());
        this.store = store;
        this.membership = membership;
        this.checkpoints = checkpoints;
        this.transitions = transitions;
        this.migration = migration;
        this.events = events;
        this.clusterId = clusterId;
        this.clock = clock;
        this.loop = new TickLoop("keeper", TICK, this::tick);
    }

    synchronized void tick() {
        long now = clock.getAsLong();
        Map<NodeId, KeeperPolicy.Node> nodes = new HashMap<>();
        for (NodeInfo n : membership.nodes()) {
            NodeId id = NodeId.of(n.getId());
            boolean up = !Membership.DOWN.equals(n.getState());
            if (up) downSince.remove(id);
            else downSince.putIfAbsent(id, now);
            nodes.put(id, new KeeperPolicy.Node(id, up, downSince.getOrDefault(id, now)));
        }
        List<KeeperPolicy.Job> jobs = new ArrayList<>();
        Set<JobId> seen = new HashSet<>();
        for (JobInfo j : store.list()) {
            if (j.getSpec().getCheckpointEveryMs() <= 0 || j.getNode().isEmpty()) continue;
            JobId id = JobId.of(j.getId());
            seen.add(id);
            if (loaded.add(id)) load(id).ifPresent(k -> kept.put(id, k));
            jobs.add(new KeeperPolicy.Job(id, JobRecords.toCore(j.getState()), NodeId.of(j.getNode()), j.getStateSinceMs(),
                    j.getSpec().getCheckpointEveryMs(), Optional.ofNullable(kept.get(id))));
        }
        kept.keySet().retainAll(seen);
        loaded.retainAll(seen);
        notBefore.keySet().retainAll(seen);
        Set<JobId> skip = new HashSet<>(busy);
        notBefore.forEach((job, t) -> { if (t > now) skip.add(job); });
        for (Action a : policy.decide(jobs, nodes, skip, now)) {
            JobId job = switch (a) {
                case Action.Checkpoint c -> c.job();
                case Action.Restart r -> r.job();
            };
            busy.add(job);
            Thread.ofVirtual().name("keeper-" + job).start(() -> {
                try {
                    switch (a) {
                        case Action.Checkpoint c -> keep(c, jobs.stream().filter(j -> j.id().equals(job)).findFirst().orElseThrow());
                        case Action.Restart r -> restart(r);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("keeper: {} failed: {}", a, e.toString());
                    notBefore.put(job, clock.getAsLong() + TICK.toMillis() * 10);
                } finally {
                    busy.remove(job);
                }
            });
        }
    }

    /** The newest kept image of a job in the records (read once per job and leader). */
    private Optional<KeeperPolicy.Kept> load(JobId job) {
        return store.checkpoints(Optional.of(job)).stream().filter(CheckpointInfo::getKept)
                .reduce((a, b) -> b) // ordered by sequence
                .map(c -> new KeeperPolicy.Kept(CheckpointId.parse(c.getId()), NodeId.of(c.getNode()), c.getCreatedMs()));
    }

    private void keep(Action.Checkpoint c, KeeperPolicy.Job job) {
        long t0 = System.nanoTime();
        Answer<CheckpointInfo> taken = checkpoints.checkpoint(ROAM, c.job().value(), true, false);
        if (!(taken instanceof Answer.Ok<CheckpointInfo>(CheckpointInfo info))) {
            String why = ((Answer.Refused<CheckpointInfo>) taken).reason();
            failed(job, "cannot take a periodic image: " + why);
            return;
        }
        CheckpointId cid = CheckpointId.parse(info.getId());
        NodeId source = NodeId.of(info.getNode());
        TransferProgress sent = migration.copyImage(source, cid, info.getSizeBytes(), c.job(), c.holder(), clusterId);
        checkpoints.deleteImage(source, cid); // the copy on the job's own node would die with it
        if (!sent.getOk()) {
            store.deleteCheckpoint(cid);
            failed(job, "cannot keep image " + cid + " on " + c.holder() + ": " + sent.getError());
            return;
        }
        // a restart on the holder needs the job's output files there too (on a machine that does not share them)
        Optional<Boolean> spool = migration.copySpool(source, c.holder(), c.job());
        if (spool.isPresent() && !spool.get()) {
            checkpoints.deleteImage(c.holder(), cid);
            store.deleteCheckpoint(cid);
            failed(job, "cannot copy the output files of job " + c.job() + " to " + c.holder());
            return;
        }
        CheckpointInfo there = info.toBuilder().setNode(c.holder().value()).setPath(sent.getPath()).setKept(true)
                .setTakenOn(source.value()).build();
        store.putCheckpoint(there);
        KeeperPolicy.Kept previous = kept.put(c.job(), new KeeperPolicy.Kept(cid, c.holder(), info.getCreatedMs()));
        if (previous != null && !previous.checkpoint().equals(cid)) {
            checkpoints.deleteImage(previous.on(), previous.checkpoint());
            store.deleteCheckpoint(previous.checkpoint());
            if (spool.isPresent() && !previous.on().equals(c.holder()) && !previous.on().equals(source)) migration.dropSpool(previous.on(), c.job());
        }
        LOG.info("job {}: image {} ({}) kept on {} in {} ms", c.job(), cid, mb(info.getSizeBytes()), c.holder(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    private void failed(KeeperPolicy.Job job, String why) {
        notBefore.put(job.id(), clock.getAsLong() + job.everyMs());
        events.job("keep-failed", job.id().value(), uid(job.id()), job.node().value(), "", why);
    }

    private void restart(Action.Restart r) {
        String lost = seconds(r.lostMs());
        String why = "node " + r.died() + " is down; restarting from " + r.from() + " on " + r.on() + ", taken " + lost
                + " before the node went down: up to " + lost + " of work lost";
        if (!(transitions.apply(r.job(), new JobEvent.NodeDied(r.died(), r.from(), why)) instanceof TransitionOutcome.Applied)) return;
        Answer<JobInfo> restored = checkpoints.restore(ROAM, r.from().value());
        switch (restored) {
            case Answer.Ok<JobInfo> ok -> events.job("restart", r.job().value(), uid(r.job()), r.died().value(), r.on().value(),
                    "node " + r.died() + " died; restarted from " + r.from() + ", taken " + lost + " before: up to " + lost + " of work lost");
            case Answer.Refused<JobInfo> no -> {
                events.job("restart-failed", r.job().value(), uid(r.job()), r.died().value(), r.on().value(), no.reason());
                notBefore.put(r.job(), Long.MAX_VALUE); // a user can still roam restore it
            }
        }
    }

    private int uid(JobId job) { return store.get(job).map(v -> v.value().getSpec().getUid()).orElse(0); }

    private static String seconds(long ms) { return String.format(Locale.ROOT, "%.1f s", ms / 1000.0); }

    private static String mb(long bytes) { return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6); }

    @Override
    public void close() { loop.close(); }
}
