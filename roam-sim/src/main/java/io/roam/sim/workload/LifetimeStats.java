package io.roam.sim.workload;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Measured facts about a lifetime distribution, from a seeded sample: the share of all CPU used by the largest 7% of
 * processes, the fraction of processes (largest first) that use 75% of the CPU, the fraction living over 1 s, and the
 * sample mean next to the exact one.
 */
public record LifetimeStats(int samples, double sampleMean, double exactMean, double top7Share, double fractionFor75,
                            double overOneSecond, double maxSeen) {

    public static LifetimeStats of(Lifetimes lifetimes, int samples, long seed) {
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        double[] x = new double[samples];
        double sum = 0;
        int over = 0;
        for (int i = 0; i < samples; i++) {
            x[i] = lifetimes.sample(random);
            sum += x[i];
            if (x[i] > 1.0) over++;
        }
        Arrays.sort(x);
        int top = (int) Math.round(0.07 * samples);
        double topSum = 0;
        for (int i = samples - top; i < samples; i++) topSum += x[i];
        double acc = 0;
        int k = 0;
        for (int i = samples - 1; i >= 0 && acc < 0.75 * sum; i--, k++) acc += x[i];
        return new LifetimeStats(samples, sum / samples, lifetimes.mean(), topSum / sum, (double) k / samples,
                (double) over / samples, x[samples - 1]);
    }

    public String describe() {
        return String.format(java.util.Locale.ROOT,
                "largest 7%% of processes use %.1f%% of CPU (expected ≈ 75%%); %.1f%% of processes use 75%% of CPU (expected ≈ 7%%); "
                        + "%.1f%% live over 1 s; mean %.3f s (exact %.3f s), longest %.1f s, from %d samples",
                100 * top7Share, 100 * fractionFor75, 100 * overOneSecond, sampleMean, exactMean, maxSeen, samples);
    }
}
