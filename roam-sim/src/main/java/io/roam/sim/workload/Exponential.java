package io.roam.sim.workload;

import java.util.random.RandomGenerator;

/** Exponential lifetimes: memoryless, so a process's age says nothing about its future (migration should gain nothing). */
public record Exponential(double mean) implements Lifetimes {
    public Exponential {
        if (!(mean > 0)) throw new IllegalArgumentException("mean " + mean + " ≤ 0");
    }

    @Override public double sample(RandomGenerator random) {
        double s = -mean * Math.log(1 - random.nextDouble());
        random.nextDouble(); // same number of draws per sample as HeavyTailed, so W1 and W2 share arrival times
        return Math.max(s, Double.MIN_NORMAL);
    }

    @Override public String describe() { return String.format(java.util.Locale.ROOT, "exponential, mean %.3f s", mean); }
}
