package io.roam.sim.workload;

import java.util.random.RandomGenerator;

/** Process memory: log-normal around {@code medianBytes} with shape {@code sigma}, capped; independent of lifetime. */
public record MemorySizes(long medianBytes, double sigma, long capBytes) {
    public static final long MB = 1L << 20;

    public MemorySizes {
        if (medianBytes <= 0 || !(sigma >= 0) || capBytes < medianBytes) throw new IllegalArgumentException("bad memory sizes");
    }

    /** Median 128 MB, σ 1.5 (mean ≈ 390 MB, 1% above 4 GB), capped at 6 GB. */
    public static MemorySizes defaults() { return new MemorySizes(128 * MB, 1.5, 6144 * MB); }

    public long sample(RandomGenerator random) {
        double v = medianBytes * Math.exp(sigma * random.nextGaussian());
        return Math.min(capBytes, Math.max(MB, (long) v));
    }

    public String describe() {
        return String.format(java.util.Locale.ROOT, "memory log-normal, median %d MB, σ %.1f, cap %d MB", medianBytes / MB, sigma, capBytes / MB);
    }
}
