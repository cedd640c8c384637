package io.roam.sim.engine;

import io.roam.core.policy.PolicySettings;

/**
 * One simulation's cluster and run settings.
 *
 * @param nodes             nodes in the cluster
 * @param cores             cores per node
 * @param nodeMemoryBytes   memory per node
 * @param discipline        "ps" (processor sharing, as Linux shares a CPU) or "fifo" (for the textbook checks)
 * @param gossip            true: MOSIX-style gossip (each node tells one random node its load once a second; no
 *                          probes); false: fresh probes, no gossip
 * @param window            entries in each node's window
 * @param tickSeconds       how often each node's policy runs its periodic decision (1 s in roam)
 * @param settings          policy knobs; {@code settings.cost()} and {@code remoteExecSeconds()} are also what moves
 *                          really cost in the simulation
 * @param measured          processes measured (after {@code warmup} unmeasured ones; arrivals then go on, unmeasured,
 *                          until every measured process has completed)
 * @param warmup            unmeasured processes at the start
 * @param seed              seeds the workload (and, mixed, the policy's and the gossip's generators)
 * @param cooldownCapSeconds how long after the last measured arrival the run may go on waiting for measured processes
 *                          to complete; those still running then count with their response time so far (a lower bound,
 *                          flagged in the result as censored). +∞: no cap
 */
public record SimConfig(int nodes, int cores, long nodeMemoryBytes, String discipline, boolean gossip, int window,
                        double tickSeconds, PolicySettings settings, long measured, long warmup, long seed,
                        double cooldownCapSeconds) {
    public SimConfig {
        if (nodes < 1 || cores < 1) throw new IllegalArgumentException("need at least one node and one core, got " + nodes + " × " + cores);
        if (nodeMemoryBytes <= 0) throw new IllegalArgumentException("node memory must be positive");
        if (!discipline.equals("ps") && !discipline.equals("fifo")) throw new IllegalArgumentException("discipline must be ps or fifo, got " + discipline);
        if (!(tickSeconds > 0)) throw new IllegalArgumentException("tick period must be positive");
        if (window < 0 || measured < 1 || warmup < 0) throw new IllegalArgumentException("window ≥ 0, measured ≥ 1, warmup ≥ 0 required");
        if (!(cooldownCapSeconds > 0)) throw new IllegalArgumentException("cool-down cap must be positive");
    }

    /** Without a cool-down cap. */
    public SimConfig(int nodes, int cores, long nodeMemoryBytes, String discipline, boolean gossip, int window, double tickSeconds,
                     PolicySettings settings, long measured, long warmup, long seed) {
        this(nodes, cores, nodeMemoryBytes, discipline, gossip, window, tickSeconds, settings, measured, warmup, seed, Double.POSITIVE_INFINITY);
    }

    /** 8 GB nodes, processor sharing, probes, an 8-entry window, 1 s ticks, default policy settings, warm-up a tenth. */
    public static SimConfig of(int nodes, int cores, long measured, long seed) {
        return new SimConfig(nodes, cores, 8192L << 20, "ps", false, 8, 1.0, PolicySettings.defaults(), measured, measured / 10, seed);
    }

    public SimConfig withGossip(boolean g) { return new SimConfig(nodes, cores, nodeMemoryBytes, discipline, g, window, tickSeconds, settings, measured, warmup, seed, cooldownCapSeconds); }

    public SimConfig withDiscipline(String d) { return new SimConfig(nodes, cores, nodeMemoryBytes, d, gossip, window, tickSeconds, settings, measured, warmup, seed, cooldownCapSeconds); }

    public SimConfig withSettings(PolicySettings s) { return new SimConfig(nodes, cores, nodeMemoryBytes, discipline, gossip, window, tickSeconds, s, measured, warmup, seed, cooldownCapSeconds); }

    public SimConfig withWarmup(long w) { return new SimConfig(nodes, cores, nodeMemoryBytes, discipline, gossip, window, tickSeconds, settings, measured, w, seed, cooldownCapSeconds); }

    public SimConfig withTick(double t) { return new SimConfig(nodes, cores, nodeMemoryBytes, discipline, gossip, window, t, settings, measured, warmup, seed, cooldownCapSeconds); }

    public SimConfig withSeed(long s) { return new SimConfig(nodes, cores, nodeMemoryBytes, discipline, gossip, window, tickSeconds, settings, measured, warmup, s, cooldownCapSeconds); }

    public SimConfig withMemory(long bytes) { return new SimConfig(nodes, cores, bytes, discipline, gossip, window, tickSeconds, settings, measured, warmup, seed, cooldownCapSeconds); }

    public SimConfig withCooldownCap(double seconds) { return new SimConfig(nodes, cores, nodeMemoryBytes, discipline, gossip, window, tickSeconds, settings, measured, warmup, seed, seconds); }
}
