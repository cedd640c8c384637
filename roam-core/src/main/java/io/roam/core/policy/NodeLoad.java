package io.roam.core.policy;

/**
 * What a node reports about itself (in a probe reply or a gossip message), and how old the report is.
 *
 * @param node            the node's index in the view, {@code 0 ≤ node < view.nodeCount()}
 * @param runnable        processes sharing the node's cores (or queued for one), including those on their way in;
 *                        not those waiting for memory
 * @param cores           the node's cores; each of n processes runs at rate min(1, cores / n)
 * @param freeMemoryBytes memory not held or reserved by its processes (negative when processes wait for memory)
 * @param longRunning     processes that have used at least {@link #LONG_RUNNING_CPU_SECONDS} of CPU: with heavy-tailed
 *                        lifetimes these are the ones that will still be there later
 * @param ageSeconds      how old this report is (0 for a fresh probe or the local node)
 */
public record NodeLoad(int node, int runnable, int cores, long freeMemoryBytes, int longRunning, double ageSeconds) {
    /** CPU a process must have used to count as long-running. */
    public static final double LONG_RUNNING_CPU_SECONDS = 1.0;

    public NodeLoad {
        if (node < 0) throw new IllegalArgumentException("node index " + node + " < 0");
        if (runnable < 0 || cores < 1 || longRunning < 0 || longRunning > runnable)
            throw new IllegalArgumentException("inconsistent load for node " + node + ": runnable " + runnable + ", cores "
                    + cores + ", long-running " + longRunning);
        if (!(ageSeconds >= 0)) throw new IllegalArgumentException("report age " + ageSeconds + " < 0");
    }

    /** Runnable processes per core. */
    public double perCore() { return (double) runnable / cores; }

    /** True if a new process would get a core to itself. */
    public boolean hasIdleCore() { return runnable < cores; }

    /** True if the node has room for {@code memoryBytes} more. */
    public boolean fits(long memoryBytes) { return freeMemoryBytes >= memoryBytes; }

    /** The rate (fraction of a core) a process gets here if {@code extra} more processes join. */
    public double rateWith(int extra) { return Math.min(1.0, (double) cores / Math.max(1, runnable + extra)); }

    /** The same report after one more process of {@code memoryBytes} was sent to the node. */
    public NodeLoad plusOne(long memoryBytes) {
        return new NodeLoad(node, runnable + 1, cores, freeMemoryBytes - memoryBytes, longRunning, ageSeconds);
    }
}
