package io.roam.sim.workload;

/** One process of a workload: when it is born, on which node, how much CPU it will use, and its memory. */
public record Arrival(double time, double cpuSeconds, long memoryBytes, int origin) {
    public Arrival {
        if (!(cpuSeconds > 0)) throw new IllegalArgumentException("cpu time " + cpuSeconds + " s ≤ 0");
        if (memoryBytes < 0 || origin < 0) throw new IllegalArgumentException("memory or origin < 0");
    }
}
