package io.roam.coordinator.balance;

import io.roam.coordinator.jobs.Answer;
import io.roam.coordinator.loop.TickLoop;
import io.roam.coordinator.membership.Membership;
import io.roam.coordinator.migration.MigrationOrchestrator;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.core.policy.Decision;
import io.roam.core.policy.Policies;
import io.roam.core.policy.Policy;
import io.roam.core.policy.PolicySettings;
import io.roam.proto.Caller;
import io.roam.proto.JobInfo;
import io.roam.proto.JobState;
import io.roam.proto.NodeInfo;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's balancing loop: once a second it reads the nodes' latest reports and the job records, decides who owns
 * each node ({@link OwnerRule}), moves guests off nodes whose owner is back once the grace period is over, and asks the
 * configured {@link Policy} (the same roam-core class roam sim runs) what to move; each move is a cold migration
 * through the {@link MigrationOrchestrator}, within the {@link MigrationGate}'s limits, logged with its reason.
 */
public final class Balancer implements AutoCloseable {
    static final Duration TICK = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(Balancer.class);
    private static final Caller ROAM = Caller.newBuilder().setUid(0).setGid(0).setUser("roam-balancer").build();

    private final BalanceSettings settings;
    private final Policy policy;
    private final Membership membership;
    private final ZkJobStore store;
    private final MigrationOrchestrator orchestrator;
    private final EventLog events;
    private final LongSupplier clock;
    private final MigrationGate gate;
    private final JobCpu cpu = new JobCpu();
    private final Map<NodeId, OwnerRule> owners = new HashMap<>();
    private final Set<NodeId> simulated = ConcurrentHashMap.newKeySet();
    private final TickLoop loop;

    public Balancer(BalanceSettings settings, Membership membership, ZkJobStore store, MigrationOrchestrator orchestrator,
                    EventLog events, LongSupplier clock) {
        this.settings = settings;
        this.policy = Policies.create(settings.policy(), PolicySettings.defaults(), new SplittableRandom());
        this.membership = membership;
        this.store = store;
        this.orchestrator = orchestrator;
        this.events = events;
        this.clock = clock;
        this.gate = new MigrationGate(settings);
        this.loop = new TickLoop("balancer", TICK, this::tick);
        LOG.info("balancing with policy {} (at most {} migrations at once; owner grace {})", policy.name(),
                settings.maxConcurrent(), OwnerRule.human(settings.owner().grace()));
    }

    /** roam owner NODE --active/--idle: simulate the owner's activity on {@code node}, or end the simulation. */
    public void simulateOwner(NodeId node, boolean active) {
        if (active) simulated.add(node);
        else simulated.remove(node);
    }

    synchronized void tick() {
        long now = clock.getAsLong();
        List<NodeInfo> nodes = membership.nodes();
        List<JobInfo> records = store.list();
        Set<String> live = new HashSet<>();
        for (JobInfo j : records) live.add(j.getId());
        cpu.retain(live);
        gate.retain(live);
        for (NodeInfo n : nodes) {
            membership.jobStats(NodeId.of(n.getId())).forEach((job, s) -> cpu.observe(job, s, n.getLastReportMs()));
        }
        for (NodeInfo n : nodes) owner(n, records, now);
        TickInputs in = TickInputs.build(membership.nodes(), records, cpu, gate, j -> membership.rss(JobId.of(j.getId()), j.getNode()), now);
        if (in == null || in.nodeCount() < 2) return;
        for (int i = 0; i < in.nodeCount() && !gate.full(); i++) {
            if (!in.accepts(i)) continue;
            var view = in.snapshot().probing(i, now / 1000.0);
            for (Decision.Periodic d : policy.tick(in.residents(i), view)) {
                switch (d) {
                    case Decision.Migrate m -> move(in, i, m, now);
                    case Decision.Steal s -> {
                        if (s.from() == i || !in.accepts(s.from())) continue;
                        var thief = in.snapshot().load(i, now / 1000.0);
                        for (Decision.Migrate m : policy.surrender(thief, in.residents(s.from()), in.snapshot().probing(s.from(), now / 1000.0)))
                            move(in, s.from(), new Decision.Migrate(m.process(), i, m.why()), now);
                    }
                    case Decision.Advertise a -> { } // the coordinator sees every report already
                }
            }
        }
    }

    private void owner(NodeInfo n, List<JobInfo> records, long now) {
        NodeId id = NodeId.of(n.getId());
        if (n.getState().equals(Membership.DOWN)) return;
        OwnerRule rule = owners.computeIfAbsent(id, k -> new OwnerRule(settings.owner()));
        rule.observe(n.getLoad(), simulated.contains(id), now).ifPresent(change -> {
            switch (change) {
                case OwnerRule.Change.Arrived a -> {
                    membership.setOwner(id, true);
                    events.node("owner-active", id.value(), a.reason());
                }
                case OwnerRule.Change.Left l -> {
                    membership.setOwner(id, false);
                    events.node("owner-idle", id.value(), l.reason());
                }
            }
        });
        if (!rule.evict(now)) return;
        for (JobInfo j : records) {
            if (!j.getNode().equals(id.value()) || j.getState() != JobState.RUNNING) continue;
            if (gate.blocked(j.getId(), now, true).isPresent()) continue;
            start(j, id, "", "evict", "the owner of " + id + " is back (grace " + OwnerRule.human(settings.owner().grace()) + " over)");
        }
    }

    private void move(TickInputs in, int from, Decision.Migrate m, long now) {
        if (m.to() == from || m.to() < 0 || m.to() >= in.nodeCount() || !in.accepts(m.to())) return;
        JobInfo j = in.job(m.process());
        var blocked = gate.blocked(j.getId(), now, false);
        if (blocked.isPresent()) {
            LOG.debug("policy {} would move {} to {}, not now: {}", policy.name(), j.getId(), in.node(m.to()), blocked.get());
            return;
        }
        start(j, in.node(from), in.node(m.to()).value(), "migrate", m.why().text());
    }

    private void start(JobInfo j, NodeId source, String target, String kind, String reason) {
        gate.started(j.getId());
        int uid = j.getSpec().getUid();
        events.job(kind, j.getId(), uid, source.value(), target, reason);
        Thread.ofVirtual().name("balance-" + j.getId()).start(() -> {
            long t0 = System.nanoTime();
            Answer<JobInfo> a;
            try {
                a = orchestrator.migrate(ROAM, j.getId(), target, "", false, line -> LOG.debug("{}: {}", j.getId(), line));
            } catch (RuntimeException e) {
                a = Answer.refused(Answer.Kind.UNAVAILABLE, e.toString());
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            synchronized (this) {
                switch (a) {
                    case Answer.Ok<JobInfo>(JobInfo moved) -> {
                        gate.finished(j.getId(), true, clock.getAsLong());
                        events.job("migrated", j.getId(), uid, source.value(), moved.getNode(), "moved in " + ms + " ms (" + kind + ")");
                    }
                    case Answer.Refused<JobInfo> r -> {
                        gate.finished(j.getId(), false, clock.getAsLong());
                        events.job("migrate-failed", j.getId(), uid, source.value(), target, r.reason() + "; not tried again for "
                                + OwnerRule.human(settings.refusedBackoff()));
                    }
                }
            }
        });
    }

    @Override public void close() { loop.close(); }
}
