package io.roam.coordinator.balance;

import io.roam.proto.JobStats;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Each job's CPU time across migrations, and whether it is busy (pure). A restored process's CPU counters start again
 * from zero (CRIU does not restore them), so a drop adds what was seen before to an offset: the age Harchol-Balter and
 * Downey's rule needs is the CPU used in the job's whole life. A job is busy when its node's latest report saw it use
 * at least {@link #BUSY_RATE} of a core; its first report on a node has no rate yet, so it keeps its earlier verdict
 * (busy when unknown: a job just placed or moved counts until proven idle).
 */
public final class JobCpu {
    public static final double BUSY_RATE = 0.1;

    private record Seen(double offset, double raw, boolean busy, long reportMs) {}

    private final Map<String, Seen> jobs = new HashMap<>();

    /** Takes the stats of {@code job} from the report its node sent at {@code reportMs} (the same report twice counts once). */
    public void observe(String job, JobStats s, long reportMs) {
        Seen before = jobs.get(job);
        if (before != null && before.reportMs() == reportMs) return;
        double offset = before == null ? 0 : before.offset();
        if (before != null && s.getCpuSeconds() + 0.01 < before.raw()) offset += before.raw(); // restarted counters
        boolean firstSample = before == null || s.getCpuSeconds() + 0.01 < before.raw();
        boolean busy = s.getCpuRate() >= BUSY_RATE || (firstSample && s.getCpuRate() == 0 && (before == null || before.busy()));
        jobs.put(job, new Seen(offset, s.getCpuSeconds(), busy, reportMs));
    }

    /** CPU seconds the job used in its whole life, as far as this coordinator saw. */
    public double cpuSeconds(String job) {
        Seen s = jobs.get(job);
        return s == null ? 0 : s.offset() + s.raw();
    }

    public boolean busy(String job) {
        Seen s = jobs.get(job);
        return s == null || s.busy();
    }

    public void retain(Set<String> live) { jobs.keySet().retainAll(live); }
}
