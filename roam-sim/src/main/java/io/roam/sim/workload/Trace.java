package io.roam.sim.workload;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * A replayed trace: arrival times, CPU seconds and memory, sorted by arrival. Times are rescaled so that the trace
 * offers {@code load} of the cluster's cores (the factor is in {@link #describe()}); each process is born on a node
 * drawn uniformly from the seed, as traces do not say which of our nodes a job came from.
 */
public final class Trace implements Workload {
    private final double[] time;
    private final double[] cpu;
    private final long[] memory;
    private final int[] origin;
    private final String describe;
    private int next;

    Trace(String source, double[] time, double[] cpu, long[] memory, int nodes, int cores, double load, long seed) {
        int n = time.length;
        if (n == 0) throw new IllegalArgumentException(source + " has no usable records");
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(time[a], time[b]));
        this.time = new double[n];
        this.cpu = new double[n];
        this.memory = new long[n];
        this.origin = new int[n];
        double start = time[order[0]], work = 0;
        for (int i = 0; i < n; i++) {
            this.time[i] = time[order[i]] - start;
            this.cpu[i] = cpu[order[i]];
            this.memory[i] = memory[order[i]];
            work += this.cpu[i];
        }
        double span = Math.max(this.time[n - 1], 1e-9);
        double offered = work / (span * nodes * cores);
        double factor = offered / load;
        for (int i = 0; i < n; i++) this.time[i] *= factor;
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        for (int i = 0; i < n; i++) origin[i] = random.nextInt(nodes);
        this.describe = String.format(java.util.Locale.ROOT, "%s: %d processes, %.0f CPU-s; offered %.3f of %d cores, time scaled ×%.4f to load %.2f",
                source, n, work, offered, nodes * cores, factor, load);
    }

    @Override public Arrival next() {
        if (next == time.length) return null;
        int i = next++;
        return new Arrival(time[i], cpu[i], memory[i], origin[i]);
    }

    public int size() { return time.length; }

    @Override public String describe() { return describe; }
}
