package io.roam.sim.report;

import io.roam.sim.engine.RunResult;
import io.roam.sim.engine.SizeBuckets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code sim.csv} (one row per policy) and {@code sim-by-size.csv} (delay and slowdown by CPU demand). */
public final class CsvReport {
    private CsvReport() {}

    public static void write(Path dir, List<RunResult> results, double load) {
        StringBuilder s = new StringBuilder("policy,info,nodes,cores,load,seed,measured,mean_response_s,mean_delay_s,mean_slowdown,"
                + "p99_slowdown,migrations_per_process,fraction_migrated,fraction_waited_for_memory,bytes_moved,messages_per_node_s,ns_per_placement,"
                + "ns_per_tick,remote_placements,simulated_s,wall_s,arrivals,workload\n");
        for (RunResult r : results)
            s.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%.3f,%d,%d,%.6f,%.6f,%.6f,%.4f,%.6f,%.6f,%.6f,%d,%.4f,%.1f,%.1f,%d,%.1f,%.2f,%d,\"%s\"%n",
                    r.policy(), r.config().gossip() ? "gossip" : "probes", r.config().nodes(), r.config().cores(), load,
                    r.config().seed(), r.measured(), r.meanResponse(), r.meanDelay(), r.meanSlowdown(), r.p99Slowdown(),
                    r.migrationsPerProcess(), r.fractionMigrated(), r.fractionWaited(), r.bytesMoved(), r.messagesPerNodeSecond(), r.placeNanos(),
                    r.tickNanos(), r.remotePlacements(), r.simulatedSeconds(), r.wallSeconds(), r.arrivals(),
                    r.workload().replace('"', '\'')));
        StringBuilder b = new StringBuilder("policy,cpu_from_s,cpu_to_s,processes,mean_delay_s,mean_slowdown\n");
        for (RunResult r : results)
            for (int i = 0; i < SizeBuckets.COUNT; i++)
                if (r.bySize().count(i) > 0)
                    b.append(String.format(Locale.ROOT, "%s,%.4g,%.4g,%d,%.6f,%.4f%n", r.policy(), SizeBuckets.lower(i),
                            SizeBuckets.lower(i + 1), r.bySize().count(i), r.bySize().meanDelay(i), r.bySize().meanSlowdown(i)));
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("sim.csv"), s);
            Files.writeString(dir.resolve("sim-by-size.csv"), b);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write CSV to " + dir + ": " + e.getMessage(), e);
        }
    }
}
