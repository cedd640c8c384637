package io.roam.sim.workload;

import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Poisson arrivals at {@code rate} per second, each born on a uniformly random node, with lifetimes and memory drawn
 * from the given distributions. Every draw comes from one generator seeded by {@code seed} in a fixed order per
 * arrival, so the stream is the same for every policy.
 */
public final class Synthetic implements Workload {
    private final Lifetimes lifetimes;
    private final MemorySizes memory;
    private final double rate;
    private final int nodes;
    private final RandomGenerator random;
    private final String name;
    private double time;

    public Synthetic(String name, Lifetimes lifetimes, MemorySizes memory, double rate, int nodes, long seed) {
        if (!(rate > 0) || nodes < 1) throw new IllegalArgumentException("rate and nodes must be positive");
        this.name = name;
        this.lifetimes = lifetimes;
        this.memory = memory;
        this.rate = rate;
        this.nodes = nodes;
        this.random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    }

    /** Arrival rate that offers {@code load} of {@code nodes × cores} cores: load × cores / mean CPU time. */
    public static double rateFor(double load, int nodes, int cores, Lifetimes lifetimes) {
        return load * nodes * cores / lifetimes.mean();
    }

    @Override public Arrival next() {
        time += -Math.log(1 - random.nextDouble()) / rate;
        double cpu = lifetimes.sample(random);
        long mem = memory.sample(random);
        return new Arrival(time, cpu, mem, random.nextInt(nodes));
    }

    @Override public String describe() {
        return String.format(java.util.Locale.ROOT, "%s (%s); Poisson arrivals %.1f/s; %s", name, lifetimes.describe(), rate, memory.describe());
    }
}
