package io.roam.core.policy;

/**
 * Every node's latest load report, in primitive arrays: what a coordinator keeps from its agents' reports, and what
 * it hands a policy as the {@link LoadView} of one node's decision. A probe reads the latest report (its age is how
 * old that report is); a window, if given, is the nodes whose reports the deciding node holds without asking.
 * Not thread-safe: one writer, and views are only valid while it does not write.
 */
public final class ClusterSnapshot {
    private final int[] runnable;
    private final int[] cores;
    private final int[] longRunning;
    private final long[] freeMemory;
    private final double[] reportedAt;

    public ClusterSnapshot(int nodes) {
        if (nodes < 1) throw new IllegalArgumentException("a cluster has at least one node, got " + nodes);
        runnable = new int[nodes];
        cores = new int[nodes];
        longRunning = new int[nodes];
        freeMemory = new long[nodes];
        reportedAt = new double[nodes];
        java.util.Arrays.fill(cores, 1);
    }

    public int nodeCount() { return runnable.length; }

    /** Records node {@code node}'s report made at time {@code at} (seconds). */
    public void report(int node, int runnable, int cores, long freeMemoryBytes, int longRunning, double at) {
        new NodeLoad(node, runnable, cores, freeMemoryBytes, longRunning, 0); // validates
        this.runnable[node] = runnable;
        this.cores[node] = cores;
        this.freeMemory[node] = freeMemoryBytes;
        this.longRunning[node] = longRunning;
        this.reportedAt[node] = at;
    }

    /** Node {@code node}'s latest report, aged to {@code now}. */
    public NodeLoad load(int node, double now) {
        return new NodeLoad(node, runnable[node], cores[node], freeMemory[node], longRunning[node], Math.max(0, now - reportedAt[node]));
    }

    /** The view of {@code self} at {@code now}, with probes of any node and no window (a central coordinator's view). */
    public LoadView probing(int self, double now) { return new View(self, now, null); }

    /** The view of {@code self} at {@code now} that only knows the reports of {@code window} (a gossip window; not copied). */
    public LoadView windowed(int self, double now, int[] window) { return new View(self, now, window); }

    private final class View implements LoadView {
        private final int self;
        private final double now;
        private final int[] window;

        View(int self, double now, int[] window) {
            if (self < 0 || self >= nodeCount()) throw new IllegalArgumentException("no node " + self);
            this.self = self;
            this.now = now;
            this.window = window;
        }

        @Override public double now() { return now; }

        @Override public int self() { return self; }

        @Override public int nodeCount() { return ClusterSnapshot.this.nodeCount(); }

        @Override public NodeLoad local() { return new NodeLoad(self, runnable[self], cores[self], freeMemory[self], longRunning[self], 0); }

        @Override public int knownCount() { return window == null ? 0 : window.length; }

        @Override public NodeLoad known(int i) { return load(window[i], now); }

        @Override public boolean canProbe() { return window == null; }

        @Override public NodeLoad probe(int node) {
            if (window != null) throw new IllegalStateException("this view only knows its window; no probes");
            return load(node, now);
        }
    }
}
