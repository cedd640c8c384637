package io.roam.sim.table;

import io.roam.sim.engine.RunResult;
import io.roam.sim.run.Experiment;
import io.roam.sim.workload.Catalog;
import io.roam.sim.workload.LifetimeStats;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The markdown of the results table, its verdicts on roam's targets, and the raw CSV. */
final class Report {
    private final Map<String, List<RunResult>> cells;
    private final List<String> workloads;
    private final List<Double> loads;
    private final List<String> policies;

    Report(Map<String, List<RunResult>> cells, List<String> workloads, List<Double> loads, List<String> policies) {
        this.cells = cells;
        this.workloads = workloads;
        this.loads = loads;
        this.policies = policies;
    }

    private Summary summary(String w, double load, String p, ToDoubleFunction<RunResult> f) {
        List<RunResult> runs = cells.get(SimTable.key(w, load, p));
        return Summary.of(runs.stream().mapToDouble(f).toArray());
    }

    String markdown(String header) {
        StringBuilder s = new StringBuilder(header).append('\n');
        for (String w : workloads) {
            s.append("## ").append(w).append("\n\nLifetimes: ").append(Catalog.lifetimes(w).describe()).append(". Measured from the generator: ");
            s.append(LifetimeStats.of(Catalog.lifetimes(w), 1_000_000, 1).describe()).append(".\n\n");
            s.append("| policy |");
            for (double l : loads) s.append(String.format(Locale.ROOT, " delay (s) @%.1f | p99 slowdown @%.1f | migr/proc @%.1f |", l, l, l));
            s.append("\n|---|");
            s.append("---:|".repeat(3 * loads.size())).append('\n');
            for (String p : policies) {
                s.append("| ").append(p).append(" |");
                for (double l : loads) {
                    Summary d = summary(w, l, p, RunResult::meanDelay), q = summary(w, l, p, RunResult::p99Slowdown);
                    Summary m = summary(w, l, p, RunResult::migrationsPerProcess);
                    String bound = cells.get(SimTable.key(w, l, p)).stream().anyMatch(x -> x.censored() > 0) ? "≥ " : "";
                    s.append(String.format(Locale.ROOT, " %s%s | %s%s | %.4f |", bound, fmt(d, 4), bound, fmt(q, 2), m.mean()));
                }
                s.append('\n');
            }
            s.append('\n');
        }
        s.append(targets());
        s.append(extras());
        return s.toString();
    }

    private static String fmt(Summary x, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f ± %." + decimals + "f", x.mean(), x.halfWidth());
    }

    /** roam against power-of-2, paired by seed (same workload), and the migration budget. */
    private String targets() {
        if (!policies.contains("roam") || !policies.contains("power-of-2")) return "";
        StringBuilder s = new StringBuilder("## roam's targets\n\n");
        s.append("Ratios are paired by seed (both policies saw the same processes), then summarized over seeds.\n\n");
        s.append("| workload | load | roam / power-of-2 mean delay | roam's cut | processes ever migrated by roam | target | met |\n|---|---:|---:|---:|---:|---|---|\n");
        for (String w : workloads)
            for (double l : loads) {
                List<RunResult> roam = cells.get(SimTable.key(w, l, "roam")), p2 = cells.get(SimTable.key(w, l, "power-of-2"));
                double[] ratio = new double[roam.size()];
                for (int i = 0; i < ratio.length; i++) ratio[i] = roam.get(i).meanDelay() / p2.get(i).meanDelay();
                Summary r = Summary.of(ratio);
                double migrated = roam.stream().mapToDouble(RunResult::fractionMigrated).max().orElse(0);
                String target = "";
                boolean met = true;
                if (w.equals("W1") && l == 0.8) { target = "cut ≥ 50%"; met = r.high() <= 0.5; }
                else if (w.equals("W2")) { target = "within 2% (not worse)"; met = r.high() <= 1.02; }
                met &= migrated <= 0.05;
                s.append(String.format(Locale.ROOT, "| %s | %.1f | %.3f ± %.3f | %.1f%% | ≤ %.2f%% (max over seeds) | %s%s | %s |%n",
                        w, l, r.mean(), r.halfWidth(), 100 * (1 - r.mean()), 100 * migrated, target.isEmpty() ? "" : target + "; ",
                        "≤ 5% migrated", met ? "yes" : "**no**"));
            }
        return s.append('\n').toString();
    }

    private String extras() {
        StringBuilder s = new StringBuilder("## Costs: messages per node per second, share of processes that waited for memory\n\n");
        s.append("| policy |");
        for (String w : workloads) for (double l : loads) s.append(String.format(Locale.ROOT, " %s @%.1f |", w, l));
        s.append("\n|---|").append("---:|".repeat(workloads.size() * loads.size())).append('\n');
        for (String p : policies) {
            s.append("| ").append(p).append(" |");
            for (String w : workloads)
                for (double l : loads)
                    s.append(String.format(Locale.ROOT, " %.2f msg, %.2f%% wait |", summary(w, l, p, RunResult::messagesPerNodeSecond).mean(),
                            100 * summary(w, l, p, RunResult::fractionWaited).mean()));
            s.append('\n');
        }
        return s.append('\n').toString();
    }

    static String csv(List<Experiment> runs, List<RunResult> results) {
        StringBuilder s = new StringBuilder("workload,load,policy,seed,info,measured,mean_delay_s,mean_slowdown,p99_slowdown,"
                + "migrations_per_process,fraction_migrated,fraction_waited,bytes_moved,messages_per_node_s,ns_per_placement,ns_per_tick,simulated_s,wall_s,arrivals,censored\n");
        for (int i = 0; i < runs.size(); i++) {
            Experiment e = runs.get(i);
            RunResult r = results.get(i);
            s.append(String.format(Locale.ROOT, "%s,%.2f,%s,%d,%s,%d,%.6f,%.5f,%.4f,%.6f,%.6f,%.6f,%d,%.4f,%.1f,%.1f,%.1f,%.2f,%d,%d%n",
                    e.workload(), e.load(), e.policy(), r.config().seed(), r.config().gossip() ? "gossip" : "probes", r.measured(),
                    r.meanDelay(), r.meanSlowdown(), r.p99Slowdown(), r.migrationsPerProcess(), r.fractionMigrated(), r.fractionWaited(),
                    r.bytesMoved(), r.messagesPerNodeSecond(), r.placeNanos(), r.tickNanos(), r.simulatedSeconds(), r.wallSeconds(), r.arrivals(), r.censored()));
        }
        return s.toString();
    }
}
