package io.roam.core.policy;

/**
 * What moving a process costs, in seconds during which it makes no progress: a fixed part (dump, restore, round
 * trips) plus its memory divided by the transfer bandwidth.
 */
public record MigrationCost(double fixedSeconds, double bytesPerSecond) {
    public MigrationCost {
        if (!(fixedSeconds >= 0)) throw new IllegalArgumentException("fixed migration cost " + fixedSeconds + " s < 0");
        if (!(bytesPerSecond > 0)) throw new IllegalArgumentException("migration bandwidth " + bytesPerSecond + " B/s ≤ 0");
    }

    public double seconds(long memoryBytes) { return fixedSeconds + memoryBytes / bytesPerSecond; }
}
