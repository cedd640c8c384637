package io.roam.coordinator.balance;

import io.roam.core.NodeId;
import io.roam.core.policy.ClusterSnapshot;
import io.roam.core.policy.NodeLoad;
import io.roam.proto.JobInfo;
import io.roam.proto.JobState;
import io.roam.proto.NodeInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one balancing tick hands the policy, built from the nodes (with their state and latest report) and the job
 * records (pure). Nodes that are up, draining or the owner's get an index; only {@code up} ones take jobs: the others
 * report no free memory and a huge load, so no policy picks them, and {@link #accepts} says so to the balancer.
 * A node's runnable count is its busy roam jobs (jobs migrating to it count there already), not the machine's load
 * average: the agents of a local cluster share one machine, and non-roam load is what owner detection is for.
 * Residents are the RUNNING jobs of a node that the balancer may move.
 */
public final class TickInputs {
    static final int UNAVAILABLE_RUNNABLE = 1 << 20;

    private final ClusterSnapshot snapshot;
    private final List<NodeId> nodes;
    private final boolean[] accepts;
    private final List<JobInfo> jobs;
    private final Map<NodeId, JobResidents> residents;

    private TickInputs(ClusterSnapshot snapshot, List<NodeId> nodes, boolean[] accepts, List<JobInfo> jobs, Map<NodeId, JobResidents> residents) {
        this.snapshot = snapshot;
        this.nodes = nodes;
        this.accepts = accepts;
        this.jobs = jobs;
        this.residents = residents;
    }

    /**
     * @param infos      every node, with its state now (up, draining, owner, down) and latest load
     * @param records    every job record
     * @param cpu        each job's lifetime CPU and busy verdict
     * @param gate       how often each job was moved
     * @param rss        a job's resident memory from its node's latest report
     * @param nowMs      the time of the tick
     */
    public static TickInputs build(List<NodeInfo> infos, List<JobInfo> records, JobCpu cpu, MigrationGate gate,
                                   java.util.function.ToLongFunction<JobInfo> rss, long nowMs) {
        List<NodeId> nodes = new ArrayList<>();
        List<NodeInfo> kept = new ArrayList<>();
        for (NodeInfo n : infos) {
            if (n.getState().equals("down")) continue;
            nodes.add(NodeId.of(n.getId()));
            kept.add(n);
        }
        if (nodes.isEmpty()) return null;
        Map<NodeId, Integer> index = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) index.put(nodes.get(i), i);
        int[] runnable = new int[nodes.size()], longRunning = new int[nodes.size()];
        List<JobInfo> jobs = new ArrayList<>();
        Map<NodeId, List<JobResidents.Resident>> byNode = new HashMap<>();
        for (JobInfo j : records) {
            boolean running = j.getState() == JobState.RUNNING;
            boolean arriving = j.getState() == JobState.MIGRATING;
            if (!running && !arriving) continue;
            // a migrating job's record names its source until the commit; its target is in the migration record, but the
            // job is frozen meanwhile: it counts nowhere, and the target's report shows it as soon as it runs there
            if (arriving) continue;
            Integer at = index.get(NodeId.of(j.getNode()));
            if (at == null) continue;
            double cpuSeconds = cpu.cpuSeconds(j.getId());
            if (cpu.busy(j.getId())) {
                runnable[at]++;
                if (cpuSeconds >= NodeLoad.LONG_RUNNING_CPU_SECONDS) longRunning[at]++;
            }
            long id = jobs.size();
            jobs.add(j);
            byNode.computeIfAbsent(nodes.get(at), k -> new ArrayList<>()).add(new JobResidents.Resident(id, cpuSeconds,
                    Math.max(0, nowMs - j.getCreatedMs()) / 1000.0, rss.applyAsLong(j), gate.moves(j.getId())));
        }
        ClusterSnapshot snapshot = new ClusterSnapshot(nodes.size());
        boolean[] accepts = new boolean[nodes.size()];
        double now = nowMs / 1000.0;
        for (int i = 0; i < nodes.size(); i++) {
            NodeInfo n = kept.get(i);
            accepts[i] = n.getState().equals("up");
            int cores = Math.max(1, n.getLoad().getCores());
            double reportedAt = Math.min(now, n.getLastReportMs() / 1000.0);
            if (accepts[i]) snapshot.report(i, runnable[i], cores, n.getLoad().getMemFreeBytes(), longRunning[i], reportedAt);
            else snapshot.report(i, UNAVAILABLE_RUNNABLE, cores, Long.MIN_VALUE / 4, 0, reportedAt);
        }
        Map<NodeId, JobResidents> residents = new HashMap<>();
        byNode.forEach((k, v) -> residents.put(k, new JobResidents(v)));
        return new TickInputs(snapshot, List.copyOf(nodes), accepts, List.copyOf(jobs), residents);
    }

    public ClusterSnapshot snapshot() { return snapshot; }

    public int nodeCount() { return nodes.size(); }

    public NodeId node(int index) { return nodes.get(index); }

    public boolean accepts(int index) { return accepts[index]; }

    /** The job a resident id names. */
    public JobInfo job(long residentId) { return jobs.get((int) residentId); }

    /** The node's movable jobs (none: an empty list of residents). */
    public JobResidents residents(int index) { return residents.getOrDefault(nodes.get(index), new JobResidents(List.of())); }
}
