package io.roam.sim.validate;

import io.roam.core.policy.MigrationCost;
import io.roam.core.policy.Policies;
import io.roam.core.policy.Policy;
import io.roam.core.policy.PolicySettings;
import io.roam.sim.engine.RunResult;
import io.roam.sim.engine.SimConfig;
import io.roam.sim.engine.Simulator;
import io.roam.sim.workload.Exponential;
import io.roam.sim.workload.Lifetimes;
import io.roam.sim.workload.MemorySizes;
import io.roam.sim.workload.Synthetic;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.random.RandomGeneratorFactory;

/**
 * {@code roam sim --validate}: the simulator against results known independently of it. Each check prints the figure
 * next to what is expected; all must pass.
 * <ol>
 *   <li>M/M/1: exponential service (mean 1) on single-core FIFO nodes at load 0.9, random placement: each node is an
 *       M/M/1 queue, mean time in system 1/(1 − 0.9) = 10, within 2%.</li>
 *   <li>Power of two choices (Mitzenmacher; Vvedenskaya et al.): same system, shortest of 2 random queues: for
 *       N → ∞ the mean time in system is Σ_{i≥1} λ^((2^i − 2)/(2 − 1)) = 2.6128 at λ = 0.9, within 2%.</li>
 *   <li>Processor sharing: the same exponential workload on PS nodes at load 0.8, local only: M/M/1-PS mean response
 *       1/(1 − 0.8) = 5, within 2%.</li>
 *   <li>Harchol-Balter and Downey: the age rule against exec-time placement on W1, in their setting
 *       ({@link HarcholBalterDowney}): mean delay 35–50% lower.</li>
 * </ol>
 */
public final class Validation {
    /** One check's outcome, explained. */
    public record Check(String name, double measured, double expected, double low, double high, String detail) {
        public boolean passed() { return measured >= low && measured <= high; }

        public String line() {
            return String.format(Locale.ROOT, "%s %-58s measured %8.4f   expected %8.4f  [%.4f, %.4f]  %s", passed() ? "PASS" : "FAIL",
                    name, measured, expected, low, high, detail);
        }
    }

    private Validation() {}

    /** Runs every check; prints one line each; true if all passed. */
    public static boolean run(PrintWriter out, boolean quick, int threads) {
        List<Callable<Check>> checks = List.of(
                () -> fifo("random", quick),
                () -> fifo("power-of-2", quick),
                () -> processorSharing(quick),
                () -> HarcholBalterDowney.check(quick));
        out.println("roam sim --validate" + (quick ? " --quick" : "") + ": " + checks.size() + " checks");
        out.flush();
        boolean all = true;
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, checks.size())))) {
            List<Future<Check>> futures = new ArrayList<>();
            for (Callable<Check> c : checks) futures.add(pool.submit(c));
            for (Future<Check> f : futures) {
                Check c = f.get();
                out.println(c.line());
                out.flush();
                all &= c.passed();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while validating", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        }
        out.println(all ? "all checks passed" : "some checks FAILED");
        out.flush();
        return all;
    }

    /** Mean time in system of power-of-d with N → ∞ (Mitzenmacher 1996; Vvedenskaya, Dobrushin and Karpelevich). */
    public static double powerOfDLimit(double lambda, int d) {
        if (d == 1) return 1 / (1 - lambda);
        double sum = 0;
        for (int i = 1; i < 64; i++) {
            double term = Math.pow(lambda, (Math.pow(d, i) - d) / (d - 1));
            sum += term;
            if (term < 1e-15) break;
        }
        return sum;
    }

    static Check fifo(String policy, boolean quick) {
        int nodes = quick ? 2000 : 4000;
        long measured = quick ? 6_000_000 : 30_000_000;
        RunResult r = textbook(policy, "fifo", nodes, 0.9, measured, measured / 4, 11);
        double expected = policy.equals("random") ? 10.0 : powerOfDLimit(0.9, 2);
        String name = policy.equals("random") ? "M/M/1 FIFO, random placement, load 0.9: mean time in system"
                : "power-of-2, FIFO, load 0.9: mean time in system (N→∞ limit)";
        return new Check(name, r.meanResponse(), expected, expected * 0.98, expected * 1.02,
                String.format(Locale.ROOT, "(%d nodes, %d processes, %.0f s simulated)", nodes, r.measured(), r.simulatedSeconds()));
    }

    static Check processorSharing(boolean quick) {
        int nodes = 1000;
        long measured = quick ? 3_000_000 : 10_000_000;
        RunResult r = textbook("local", "ps", nodes, 0.8, measured, measured / 4, 13);
        return new Check("M/M/1-PS, local only, load 0.8: mean response time", r.meanResponse(), 5.0, 4.9, 5.1,
                String.format(Locale.ROOT, "(%d nodes, %d processes)", nodes, r.measured()));
    }

    /** Exponential service with mean 1 s, tiny memory, free remote placement: the queueing models' assumptions. */
    static RunResult textbook(String policy, String discipline, int nodes, double load, long measured, long warmup, long seed) {
        PolicySettings settings = new PolicySettings(2, new MigrationCost(0, 1e12), 0, 1, 0, 0.0, 0, 10);
        SimConfig config = new SimConfig(nodes, 1, 1L << 40, discipline, false, 0, 1.0, settings, measured, warmup, seed);
        Lifetimes life = new Exponential(1.0);
        MemorySizes memory = new MemorySizes(MemorySizes.MB, 0, MemorySizes.MB);
        Synthetic workload = new Synthetic("exp(1)", life, memory, Synthetic.rateFor(load, nodes, 1, life), nodes, seed);
        Policy p = Policies.create(policy, settings, RandomGeneratorFactory.of("L64X128MixRandom").create(seed + 1));
        return new Simulator(config, p, workload).run();
    }

}
