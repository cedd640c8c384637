package io.roam.sim.engine;

/** Running totals of one simulation, turned into a {@link RunResult} at the end. */
final class Counters {
    long measured;
    double sumResponse, sumDelay, sumSlowdown;
    final LogHistogram slowdowns = new LogHistogram();
    final SizeBuckets bySize = new SizeBuckets();
    long measuredMigrations, migratedMeasured, migrations, bytesMoved, messages, memoryCapped;
    long waitedForMemory, censored;
    long placements, placeNanos, ticks, tickNanos;

    void completed(Procs procs, int slot, double now) {
        double cpu = procs.cpu[slot];
        double response = now - procs.arrival[slot];
        double delay = Math.max(0, response - cpu);
        double slowdown = Math.max(1.0, response / cpu);
        measured++;
        if (procs.waited[slot]) waitedForMemory++;
        sumResponse += response;
        sumDelay += delay;
        sumSlowdown += slowdown;
        slowdowns.add(slowdown);
        bySize.add(cpu, delay, slowdown);
    }

    /**
     * A measured process still running when the cool-down cap ended the run: its response so far is a lower bound on
     * its response time; its delay so far (response − CPU used) a lower bound on its delay. Counted in the means and
     * the slowdown quantiles as such (not in the by-size buckets).
     */
    void censored(Procs procs, int slot, double now, double cpuUsed) {
        double response = now - procs.arrival[slot];
        measured++;
        censored++;
        sumResponse += response;
        sumDelay += Math.max(0, response - cpuUsed);
        sumSlowdown += Math.max(1.0, response / procs.cpu[slot]);
        slowdowns.add(Math.max(1.0, response / procs.cpu[slot]));
    }

    void migrated(Procs procs, int slot) {
        migrations++;
        bytesMoved += procs.memory[slot];
        messages++;
        if (procs.measured[slot]) {
            measuredMigrations++;
            if (procs.migrations[slot] == 1) migratedMeasured++;
        }
    }

    RunResult result(Simulator sim, String workload, double wallSeconds, long arrivals) {
        long m = Math.max(1, measured);
        double seconds = Math.max(sim.now, 1e-9);
        return new RunResult(sim.policy.name(), workload, sim.config, measured, sumResponse / m, sumDelay / m, sumSlowdown / m,
                slowdowns.quantile(0.99), (double) measuredMigrations / m, (double) migratedMeasured / m, bytesMoved,
                messages / (sim.config.nodes() * seconds), placements == 0 ? 0 : (double) placeNanos / placements,
                ticks == 0 ? 0 : (double) tickNanos / ticks, remotePlacements, seconds, wallSeconds, arrivals, bySize,
                memoryCapped, (double) waitedForMemory / m, censored);
    }

    long remotePlacements;
}
