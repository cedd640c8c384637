package io.roam.sim.workload;

import java.nio.file.Path;

/**
 * The named workloads ({@code --workload}):
 * <ul>
 *   <li>W1: heavy-tailed UNIX-like lifetimes (Harchol-Balter and Downey): empirical body below 1 s, 5% of processes
 *       above 1 s with a Pareto tail, α = 1.0, truncated at {@link #TAIL_MAX} s.</li>
 *   <li>W2: exponential with W1's mean (the control: age predicts nothing).</li>
 *   <li>W3: Google-like: W1's body, 5% above 1 s with α = 0.7 (Borg 2019's fit of CPU usage), truncated at the same
 *       {@link #TAIL_MAX} s. With α &lt; 1 the untruncated mean is infinite; the cut keeps every measured process
 *       able to finish within the simulated horizon of a 10,000-node run.</li>
 *   <li>{@code csv:FILE} and {@code swf:FILE}: trace replay ({@link CsvTrace}, {@link SwfTrace}).</li>
 * </ul>
 */
public final class Catalog {
    /** Truncation of the Pareto tails (seconds of CPU). */
    public static final double TAIL_MAX = 100.0;
    /** W1's body below 1 s: log-linear CDF through these knots (seconds → fraction of the short processes). */
    static final double[] BODY_SECONDS = {0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0};
    static final double[] BODY_FRACTION = {0.0, 0.10, 0.30, 0.53, 0.74, 0.89, 1.0};
    static final double TAIL_FRACTION = 0.05;

    private Catalog() {}

    public static Lifetimes w1() { return new HeavyTailed("W1", BODY_SECONDS, BODY_FRACTION, TAIL_FRACTION, 1.0, TAIL_MAX); }

    public static Lifetimes w2() { return new Exponential(w1().mean()); }

    public static Lifetimes w3() { return new HeavyTailed("W3", BODY_SECONDS, BODY_FRACTION, TAIL_FRACTION, 0.7, TAIL_MAX); }

    /** The lifetimes of a named synthetic workload, or null for a trace. */
    public static Lifetimes lifetimes(String name) {
        return switch (name.toUpperCase(java.util.Locale.ROOT)) {
            case "W1" -> w1();
            case "W2" -> w2();
            case "W3" -> w3();
            default -> null;
        };
    }

    /** The workload called {@code name}, offering {@code load} to {@code nodes × cores} cores. */
    public static Workload open(String name, int nodes, int cores, double load, MemorySizes memory, long seed) {
        Lifetimes life = lifetimes(name);
        if (life != null)
            return new Synthetic(name.toUpperCase(java.util.Locale.ROOT), life, memory, Synthetic.rateFor(load, nodes, cores, life), nodes, seed);
        if (name.startsWith("csv:")) return CsvTrace.read(Path.of(name.substring(4)), nodes, cores, load, memory, seed);
        if (name.startsWith("swf:")) return SwfTrace.read(Path.of(name.substring(4)), nodes, cores, load, memory, seed);
        throw new IllegalArgumentException("unknown workload '" + name + "': use W1, W2, W3, csv:FILE or swf:FILE");
    }
}
