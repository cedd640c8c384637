package io.roam.sim.engine;

/**
 * Counts of positive values in logarithmic buckets 0.1% wide, from 1e-6 to 1e12 (values outside are clamped), for
 * quantiles with at most 0.1% relative error and constant memory whatever the number of processes.
 */
public final class LogHistogram {
    private static final double GROWTH = Math.log(1.001);
    private static final double MIN = 1e-6;
    private static final int BUCKETS = (int) Math.ceil(Math.log(1e12 / MIN) / GROWTH) + 1;
    private final long[] counts = new long[BUCKETS];
    private long total;

    public void add(double v) {
        int b = v <= MIN ? 0 : (int) Math.min(BUCKETS - 1, Math.log(v / MIN) / GROWTH);
        counts[b]++;
        total++;
    }

    public long count() { return total; }

    /** The q-quantile (0 < q ≤ 1): the geometric middle of the bucket where the cumulative count reaches q. */
    public double quantile(double q) {
        if (total == 0) return Double.NaN;
        long rank = (long) Math.ceil(q * total), seen = 0;
        for (int b = 0; b < BUCKETS; b++) {
            seen += counts[b];
            if (seen >= rank) return MIN * Math.exp((b + 0.5) * GROWTH);
        }
        return MIN * Math.exp(BUCKETS * GROWTH);
    }
}
