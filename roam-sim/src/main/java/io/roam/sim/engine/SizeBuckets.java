package io.roam.sim.engine;

/**
 * Mean delay and slowdown by CPU demand, in half-decade buckets from 1 ms to 1e4 s: where a policy wins or loses.
 * Bucket b holds demands in [1e-3 · 10^(b/2), 1e-3 · 10^((b+1)/2)); smaller and larger ones go to the ends.
 */
public final class SizeBuckets {
    public static final int COUNT = 14;
    final long[] count = new long[COUNT];
    final double[] delay = new double[COUNT];
    final double[] slowdown = new double[COUNT];

    void add(double cpu, double delaySeconds, double slow) {
        int b = (int) Math.floor(2 * Math.log10(cpu / 1e-3));
        b = Math.max(0, Math.min(COUNT - 1, b));
        count[b]++;
        delay[b] += delaySeconds;
        slowdown[b] += slow;
    }

    /** Lower edge of bucket b, in seconds. */
    public static double lower(int b) { return 1e-3 * Math.pow(10, b / 2.0); }

    public long count(int b) { return count[b]; }

    public double meanDelay(int b) { return count[b] == 0 ? Double.NaN : delay[b] / count[b]; }

    public double meanSlowdown(int b) { return count[b] == 0 ? Double.NaN : slowdown[b] / count[b]; }
}
