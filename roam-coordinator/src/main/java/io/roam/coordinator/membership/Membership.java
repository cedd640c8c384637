package io.roam.coordinator.membership;

import io.roam.coordinator.placement.Candidate;
import io.roam.coordinator.store.ZkNodeStore;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.proto.JobStats;
import io.roam.proto.NodeInfo;
import io.roam.proto.NodeReport;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's nodes: their registration (kept in memory and in {@code /roam/nodes}) and their latest report (memory
 * only). A node is down when it has not reported for {@link #DOWN_AFTER}, or at once when its attachment (an open
 * Membership.Attach stream) broke and it has not attached again.
 */
public final class Membership {
    public static final Duration DOWN_AFTER = Duration.ofSeconds(5);
    public static final String UP = "up", DRAINING = "draining", DOWN = "down";
    /** Its owner is using the machine: nothing new lands there, its guests move away (the balancer decides). */
    public static final String OWNER = "owner";
    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

    /** A node's registration, when it was last heard from, its latest per-job stats, and jobs placed since. */
    private record Entry(NodeInfo info, long lastSeenMs, Map<String, JobStats> jobs, int placedSinceReport) {}

    private final ZkNodeStore store;
    private final LongSupplier clock;
    private final ConcurrentHashMap<NodeId, Entry> nodes = new ConcurrentHashMap<>();
    /** Open Attach streams per node; a node absent here never attached (its reports alone tell). */
    private final ConcurrentHashMap<NodeId, Integer> attachments = new ConcurrentHashMap<>();
    /** Nodes whose owner is active (set by the balancer; memory only: a new leader decides again from the reports). */
    private final java.util.Set<NodeId> owned = ConcurrentHashMap.newKeySet();

    public Membership(ZkNodeStore store, LongSupplier clock) {
        this.store = store;
        this.clock = clock;
        // Nodes registered with an earlier coordinator: known (their address is), down until they report.
        for (NodeInfo n : store.list()) nodes.put(NodeId.of(n.getId()), new Entry(n, Long.MIN_VALUE / 2, Map.of(), 0));
    }

    /** Records a node's (re-)registration; it counts as a report. */
    public NodeInfo register(NodeInfo info) {
        NodeId id = NodeId.of(info.getId());
        long now = clock.getAsLong();
        Entry known = nodes.get(id);
        boolean draining = DRAINING.equals(info.getState()) || (known != null && DRAINING.equals(known.info().getState()));
        NodeInfo stored = info.toBuilder().setState(draining ? DRAINING : UP).setLastReportMs(now).build();
        store.put(stored);
        nodes.put(id, new Entry(stored, now, Map.of(), 0));
        attachments.remove(id); // a registration proves it lives; its attachment follows
        LOG.info("node {} registered at {} ({} cores)", id, info.getAddress(), info.getLoad().getCores());
        return stored;
    }

    /** Records a report; false when the node never registered. */
    public boolean report(NodeReport r) {
        NodeId id = NodeId.of(r.getNode());
        long now = clock.getAsLong();
        Entry after = nodes.computeIfPresent(id, (k, e) -> {
            if (now - e.lastSeenMs() > DOWN_AFTER.toMillis()) LOG.info("node {} is up", id);
            NodeInfo info = e.info().toBuilder().setLoad(r.getLoad()).setLastReportMs(now).build();
            Map<String, JobStats> jobs = r.getJobsList().stream().collect(Collectors.toUnmodifiableMap(JobStats::getJob, s -> s, (a, b) -> b));
            return new Entry(info, now, jobs, 0);
        });
        return after != null;
    }

    /** Counts an Attach stream opened by the node; false when it never registered. */
    public boolean attached(NodeId id) {
        if (!nodes.containsKey(id)) return false;
        if (attachments.merge(id, 1, Integer::sum) == 1) LOG.info("node {} attached", id);
        return true;
    }

    /** Counts an Attach stream that broke: without another one open, the node is down now. */
    public void detached(NodeId id) {
        Integer left = attachments.computeIfPresent(id, (k, n) -> Math.max(0, n - 1));
        if (left != null && left == 0) LOG.info("node {} is down: its attachment broke", id);
    }

    /** Counts a stale Attach stream that ended after a newer one opened: the node stays attached. */
    public void superseded(NodeId id) {
        attachments.computeIfPresent(id, (k, n) -> n > 1 ? n - 1 : n);
    }

    /** Marks a node draining (placement skips it) or up again, persistently; false when the node is unknown. */
    public boolean setDraining(NodeId id, boolean draining) {
        Entry after = nodes.computeIfPresent(id, (k, e) -> new Entry(e.info().toBuilder().setState(draining ? DRAINING : UP).build(),
                e.lastSeenMs(), e.jobs(), e.placedSinceReport()));
        if (after == null) return false;
        store.put(after.info());
        LOG.info("node {} is {}", id, draining ? DRAINING : UP);
        return true;
    }

    /** Marks a node as its owner's (nothing new lands there) or free again; false when the node is unknown. */
    public boolean setOwner(NodeId id, boolean active) {
        if (!nodes.containsKey(id)) return false;
        if (active ? owned.add(id) : owned.remove(id)) LOG.info("node {} is {}", id, active ? OWNER : "free of its owner");
        return true;
    }

    /** The job stats of the node's latest report, by job id (empty when unknown). */
    public Map<String, JobStats> jobStats(NodeId id) {
        Entry e = nodes.get(id);
        return e == null ? Map.of() : e.jobs();
    }

    /** Counts a job placed on {@code node} until its next report shows it. */
    public void placed(NodeId node) {
        nodes.computeIfPresent(node, (k, e) -> new Entry(e.info(), e.lastSeenMs(), e.jobs(), e.placedSinceReport() + 1));
    }

    /** Every known node, with its state computed now (up, draining, down), ordered by id. */
    public List<NodeInfo> nodes() {
        return nodes.values().stream().map(this::view).sorted(Comparator.comparing(NodeInfo::getId)).toList();
    }

    public Optional<NodeInfo> node(NodeId id) { return Optional.ofNullable(nodes.get(id)).map(this::view); }

    public Optional<String> address(NodeId id) { return Optional.ofNullable(nodes.get(id)).map(e -> e.info().getAddress()); }

    public boolean isUp(NodeId id) { return node(id).map(n -> !DOWN.equals(n.getState())).orElse(false); }

    /** The job's resident memory from its node's latest report (0 when unknown). */
    public long rss(JobId job, String node) {
        if (node.isEmpty()) return 0;
        Entry e = nodes.get(NodeId.of(node));
        JobStats s = e == null ? null : e.jobs().get(job.value());
        return s == null ? 0 : s.getRssBytes();
    }

    /** Placement's view of every node. */
    public List<Candidate> candidates() {
        return nodes.values().stream().map(e -> {
            NodeInfo v = view(e);
            return new Candidate(NodeId.of(v.getId()), !DOWN.equals(v.getState()), DRAINING.equals(v.getState()) || OWNER.equals(v.getState()),
                    runnable(v.getLoad()), v.getLoad().getCores(), v.getLoad().getJobs() + e.placedSinceReport());
        }).toList();
    }

    /**
     * Runnable threads as placement weighs them: the kernel's 1-minute load average, rounded. One sample of
     * procs_running is noisy, and agents sharing a machine (a local cluster) would each see different noise of the same
     * load; the average is the same for all of them.
     */
    static int runnable(io.roam.proto.NodeLoad load) {
        return (int) Math.round(load.getLoad1());
    }

    private NodeInfo view(Entry e) {
        boolean down = clock.getAsLong() - e.lastSeenMs() > DOWN_AFTER.toMillis()
                || attachments.getOrDefault(NodeId.of(e.info().getId()), 1) == 0;
        if (down) return e.info().toBuilder().setState(DOWN).build();
        return owned.contains(NodeId.of(e.info().getId())) ? e.info().toBuilder().setState(OWNER).build() : e.info();
    }
}
