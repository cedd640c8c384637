package io.roam.sim.run;

import io.roam.sim.engine.RunResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

/**
 * Runs experiments side by side, one per core (each simulation is single-threaded and CPU-bound), and returns their
 * results in the order given, whatever order they finish in.
 */
public final class Runner {
    private Runner() {}

    public static List<RunResult> runAll(List<Experiment> experiments, int threads, BiConsumer<Experiment, RunResult> onDone) {
        int n = Math.max(1, Math.min(threads, experiments.size()));
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<Future<RunResult>> futures = new ArrayList<>();
            for (Experiment e : experiments)
                futures.add(pool.submit(() -> {
                    RunResult r = e.run();
                    synchronized (Runner.class) { onDone.accept(e, r); }
                    return r;
                }));
            List<RunResult> out = new ArrayList<>();
            for (Future<RunResult> f : futures) out.add(f.get());
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while simulating", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        }
    }

    public static int defaultThreads() { return Runtime.getRuntime().availableProcessors(); }
}
