package io.roam.sim.report;

import io.roam.sim.engine.RunResult;
import io.roam.sim.engine.SimConfig;
import java.util.List;
import java.util.Locale;

/** The report {@code roam sim} prints: one header, one row per policy. */
public final class TextReport {
    private TextReport() {}

    public static String header(SimConfig c, double load, String workloadLine) {
        return String.format(Locale.ROOT,
                "roam sim: %d nodes × %d cores, %d MB each, %s, load %.2f, seed %d, %d measured processes (+%d warm-up)%n"
                        + "migration %.3f s + memory at %.0f MB/s; remote exec %.3f s; d=%d; ≤%d moves/process, gap ≥%d, ≤%d moves/node/tick%n"
                        + "workload: %s%n",
                c.nodes(), c.cores(), c.nodeMemoryBytes() >> 20, c.discipline().toUpperCase(Locale.ROOT), load, c.seed(),
                c.measured(), c.warmup(), c.settings().cost().fixedSeconds(), c.settings().cost().bytesPerSecond() / (1 << 20),
                c.settings().remoteExecSeconds(), c.settings().probes(), c.settings().maxMigrations(), c.settings().minGap(),
                c.settings().maxPerTick(), workloadLine);
    }

    public static String table(List<RunResult> results) {
        StringBuilder out = new StringBuilder();
        for (RunResult r : results)
            if (r.censored() > 0)
                out.append(String.format(Locale.ROOT, "note: %s: %d measured processes had not finished at the cool-down cap; its figures are lower bounds%n", r.policy(), r.censored()));
        out.append(String.format(Locale.ROOT, "%-14s %-6s %9s %9s %10s %9s %8s %8s %10s %9s %9s %9s %8s %7s%n", "policy", "info",
                "slowdown", "p99 slow", "delay (s)", "migr/proc", "migrated", "mem wait", "GB moved", "msg/node/s", "ns/place", "ns/tick",
                "sim (s)", "wall(s)"));
        for (RunResult r : results)
            out.append(String.format(Locale.ROOT, "%-14s %-6s %9.3f %9.2f %10.4f %9.4f %7.2f%% %7.2f%% %10.1f %9.2f %9.0f %9.0f %8.0f %7.1f%n",
                    r.policy(), r.config().gossip() ? "gossip" : "probes", r.meanSlowdown(), r.p99Slowdown(), r.meanDelay(),
                    r.migrationsPerProcess(), 100 * r.fractionMigrated(), 100 * r.fractionWaited(), r.bytesMoved() / 1e9, r.messagesPerNodeSecond(),
                    r.placeNanos(), r.tickNanos(), r.simulatedSeconds(), r.wallSeconds()));
        return out.toString();
    }
}
