package io.roam.sim;

import io.roam.core.policy.MigrationCost;
import io.roam.core.policy.Policies;
import io.roam.core.policy.PolicySettings;
import io.roam.sim.engine.RunResult;
import io.roam.sim.engine.SimConfig;
import io.roam.sim.report.CsvReport;
import io.roam.sim.report.Plot;
import io.roam.sim.report.TextReport;
import io.roam.sim.run.Experiment;
import io.roam.sim.run.Runner;
import io.roam.sim.validate.Validation;
import io.roam.sim.workload.Catalog;
import io.roam.sim.workload.LifetimeStats;
import io.roam.sim.workload.Lifetimes;
import io.roam.sim.workload.MemorySizes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code roam sim}: runs balancing policies on a simulated cluster and reports how they did, or ({@code --validate})
 * checks the simulator against known results. Exit codes: 0 ok, 1 failure (a validation check failed, a run broke),
 * 2 usage.
 */
@Command(name = "sim", sortOptions = false,
        description = "Simulate balancing policies on a cluster (the same policy classes the coordinator runs).")
public final class SimCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit") boolean help;

    @Option(names = "--policy", split = ",", description = "policies to compare, comma-separated, or 'all': local, random, least-loaded, power-of-D (any d), age, work-stealing, jiq, roam (default: roam,power-of-2)")
    List<String> policies = List.of("roam", "power-of-2");
    @Option(names = "--nodes", description = "nodes (default: ${DEFAULT-VALUE})") int nodes = 10_000;
    @Option(names = "--load", description = "offered load, fraction of all cores (default: ${DEFAULT-VALUE})") double load = 0.8;
    @Option(names = "--workload", description = "W1 (heavy-tailed), W2 (exponential), W3 (Google-like), csv:FILE or swf:FILE (default: ${DEFAULT-VALUE})") String workload = "W1";
    @Option(names = "--cores", description = "cores per node (default: ${DEFAULT-VALUE})") int cores = 1;
    @Option(names = "--seed", description = "seed of the workload and the policies' randomness (default: ${DEFAULT-VALUE})") long seed = 1;
    @Option(names = "--processes", description = "measured processes (default: ${DEFAULT-VALUE})") long processes = 1_000_000;
    @Option(names = "--warmup", description = "unmeasured processes first (default: a tenth of --processes)") Long warmup;
    @Option(names = "--cooldown-cap", description = "simulated seconds after the last measured arrival to wait for measured processes; the rest count with their response so far (default: no cap)") Double cooldownCap;
    @Option(names = "--info", description = "load information: probes (fresh) or gossip (MOSIX-style window); default: each policy's own") String info = "auto";
    @Option(names = "--out", description = "directory for sim.csv, sim-by-size.csv and sim.png") Path out;
    @Option(names = "--memory-mb", description = "memory per node, MB (default: ${DEFAULT-VALUE})") long memoryMb = 8192;
    @Option(names = "--discipline", description = "ps (processor sharing) or fifo (default: ${DEFAULT-VALUE})") String discipline = "ps";
    @Option(names = "--window", description = "gossip window entries per node (default: ${DEFAULT-VALUE})") int window = 8;
    @Option(names = "--d", description = "probes per decision, the d of power-of-d samples for roam and the age rule (default: ${DEFAULT-VALUE})") int d = 2;
    @Option(names = "--migration-fixed", description = "fixed part of a migration, seconds (default: ${DEFAULT-VALUE})") double migrationFixed = 0.1;
    @Option(names = "--bandwidth-mb", description = "migration bandwidth, MB/s (default: ${DEFAULT-VALUE})") double bandwidthMb = 500;
    @Option(names = "--remote-exec", description = "cost of starting a process on another node, seconds (default: ${DEFAULT-VALUE})") double remoteExec = 0.005;
    @Option(names = "--max-migrations", description = "moves per process at most (default: ${DEFAULT-VALUE})") int maxMigrations = 3;
    @Option(names = "--min-gap", description = "hysteresis: runnable processes source minus target at least (default: ${DEFAULT-VALUE})") int minGap = 2;
    @Option(names = "--max-per-tick", description = "moves a node starts per tick at most (default: ${DEFAULT-VALUE})") int maxPerTick = 2;
    @Option(names = "--headroom-mb", description = "memory a placement or migration leaves free on the target beyond the process, MB (default: ${DEFAULT-VALUE})") long headroomMb = PolicySettings.defaults().headroomBytes() >> 20;
    @Option(names = "--threads", description = "simulations run side by side (default: the number of cores)") int threads = Runner.defaultThreads();
    @Option(names = "--validate", description = "check the simulator against M/M/1, Mitzenmacher's power-of-2, and Harchol-Balter & Downey; exit 0 only if all pass")
    boolean validate;
    @Option(names = "--quick", description = "with --validate: a smaller configuration (for CI)") boolean quick;

    public SimCommand() {}

    @Override public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        if (validate) return Validation.run(o, quick, threads) ? 0 : 1;
        List<String> names = policies.size() == 1 && policies.getFirst().equals("all") ? Policies.NAMES : policies;
        SimConfig config;
        MemorySizes memory = MemorySizes.defaults();
        List<Experiment> runs = new ArrayList<>();
        String line;
        try {
            PolicySettings settings = new PolicySettings(d, new MigrationCost(migrationFixed, bandwidthMb * PolicySettings.MB), maxMigrations,
                    minGap, maxPerTick, remoteExec, headroomMb << 20, PolicySettings.defaults().maxReportAge());
            config = new SimConfig(nodes, cores, memoryMb << 20, discipline, false, window, 1.0, settings, processes,
                    warmup == null ? processes / 10 : warmup, seed, cooldownCap == null ? Double.POSITIVE_INFINITY : cooldownCap);
            for (String p : names) {
                Policies.create(p, settings, java.util.random.RandomGenerator.getDefault()); // fail fast on a bad name
                runs.add(new Experiment(p, workload, load, info, config, memory));
            }
            line = Catalog.open(workload, nodes, cores, load, memory, seed).describe();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        Lifetimes life = Catalog.lifetimes(workload);
        o.print(TextReport.header(config, load, line));
        if (life != null) o.println("  " + LifetimeStats.of(life, 1_000_000, seed).describe());
        o.flush();
        List<RunResult> results = Runner.runAll(runs, threads, (e, r) -> {});
        o.print(TextReport.table(results));
        if (out != null) {
            CsvReport.write(out, results, load);
            Plot.write(out.resolve("sim.png"), results, String.format(Locale.ROOT, "%s, %d nodes, load %.2f", workload, nodes, load));
            o.println("wrote " + out.resolve("sim.csv") + ", " + out.resolve("sim-by-size.csv") + ", " + out.resolve("sim.png"));
        }
        o.flush();
        return 0;
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new SimCommand());
        cl.setParameterExceptionHandler((e, args2) -> {
            e.getCommandLine().getErr().println("roam sim: " + e.getMessage() + " (see roam sim --help)");
            return 2;
        });
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            c.getErr().println("roam sim: " + e.getMessage());
            return 1;
        });
        System.exit(cl.execute(args));
    }
}
