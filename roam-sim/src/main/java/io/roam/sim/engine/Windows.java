package io.roam.sim.engine;

import io.roam.core.policy.NodeLoad;

/**
 * Each node's window of load reports it heard (gossip or advertisements), at most {@code size} entries, one per
 * reporting node: a newer report from the same node replaces the old one, otherwise the oldest entry goes.
 */
final class Windows {
    final int size;
    private final int[] count;
    private final int[] node;
    private final int[] runnable;
    private final int[] cores;
    private final long[] free;
    private final int[] longRunning;
    private final double[] stamp;

    Windows(int nodes, int size) {
        this.size = size;
        count = new int[nodes];
        int n = nodes * size;
        node = new int[n];
        runnable = new int[n];
        cores = new int[n];
        free = new long[n];
        longRunning = new int[n];
        stamp = new double[n];
    }

    int count(int receiver) { return count[receiver]; }

    NodeLoad entry(int receiver, int i, double now) {
        int k = receiver * size + i;
        return new NodeLoad(node[k], runnable[k], cores[k], free[k], longRunning[k], Math.max(0, now - stamp[k]));
    }

    void hear(int receiver, NodeLoad report, double now) {
        if (size == 0) return;
        int base = receiver * size, n = count[receiver], k = -1;
        for (int i = 0; i < n; i++) if (node[base + i] == report.node()) { k = base + i; break; }
        if (k < 0) {
            if (n < size) k = base + count[receiver]++;
            else {
                k = base;
                for (int i = 1; i < n; i++) if (stamp[base + i] < stamp[k]) k = base + i;
            }
        }
        node[k] = report.node();
        runnable[k] = report.runnable();
        cores[k] = report.cores();
        free[k] = report.freeMemoryBytes();
        longRunning[k] = report.longRunning();
        stamp[k] = now - report.ageSeconds();
    }

    /** The receiver sent one more process of {@code bytes} to {@code target}: its own report of it is now stale by that much. */
    void sent(int receiver, int target, long bytes) {
        int base = receiver * size;
        for (int i = 0; i < count[receiver]; i++)
            if (node[base + i] == target) { runnable[base + i]++; free[base + i] -= bytes; return; }
    }
}
