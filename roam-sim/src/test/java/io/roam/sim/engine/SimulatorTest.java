package io.roam.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.roam.core.policy.Birth;
import io.roam.core.policy.Decision;
import io.roam.core.policy.LoadView;
import io.roam.core.policy.MigrationCost;
import io.roam.core.policy.Policies;
import io.roam.core.policy.Policy;
import io.roam.core.policy.PolicySettings;
import io.roam.core.policy.Reason;
import io.roam.core.policy.Residents;
import io.roam.sim.workload.Catalog;
import io.roam.sim.workload.Exponential;
import io.roam.sim.workload.MemorySizes;
import io.roam.sim.workload.Synthetic;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The engine against queueing theory, against hand-computed schedules, and against itself (reproducibility). */
class SimulatorTest {
    static final long MB = 1L << 20;
    static final PolicySettings FREE = new PolicySettings(2, new MigrationCost(0, 1e15), 3, 2, 2, 0, 0, 10);

    static SimConfig config(int nodes, int cores, String discipline, long measured) {
        return new SimConfig(nodes, cores, 1L << 40, discipline, false, 8, 1.0, FREE, measured, 0, 1);
    }

    static RunResult run(SimConfig c, String policy, io.roam.sim.workload.Workload w) {
        return new Simulator(c, Policies.create(policy, c.settings(), new SplittableRandom(3)), w).run();
    }

    @Test
    void mm1FifoMeanSojournIsTwoAtHalfLoad() {
        var life = new Exponential(1.0);
        var w = new Synthetic("exp", life, new MemorySizes(MB, 0, MB), 0.5, 1, 9);
        RunResult r = run(config(1, 1, "fifo", 1_000_000).withWarmup(10_000), "local", w);
        assertThat(r.meanResponse()).isCloseTo(2.0, within(0.06));
    }

    /** Completion times of processor sharing on k cores, recomputed naively at every event (O(n²)): the reference. */
    static double naivePsMeanResponse(double[] arrival, double[] size, int k) {
        int n = arrival.length;
        double[] left = size.clone();
        double[] done = new double[n];
        boolean[] finished = new boolean[n];
        double t = 0;
        int remaining = n;
        while (remaining > 0) {
            List<Integer> active = new ArrayList<>();
            for (int i = 0; i < n; i++) if (!finished[i] && arrival[i] <= t) active.add(i);
            double nextArrival = Double.POSITIVE_INFINITY;
            for (int i = 0; i < n; i++) if (arrival[i] > t) nextArrival = Math.min(nextArrival, arrival[i]);
            if (active.isEmpty()) { t = nextArrival; continue; }
            double rate = Math.min(1.0, (double) k / active.size());
            double firstDone = Double.POSITIVE_INFINITY;
            for (int i : active) firstDone = Math.min(firstDone, t + left[i] / rate);
            double next = Math.min(firstDone, nextArrival);
            for (int i : active) {
                left[i] -= (next - t) * rate;
                if (left[i] <= 1e-12) { finished[i] = true; done[i] = next; remaining--; }
            }
            t = next;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) sum += done[i] - arrival[i];
        return sum / n;
    }

    @Test
    void psByHandThreeProcessesOnTwoCores() {
        // sizes 1, 2, 3 at t = 0 on 2 cores: all at 2/3 until 1.5; then 2 left at rate 1: done at 2.5 and 3.5
        Scripted w = new Scripted().add(0, 1, MB, 0).add(0, 2, MB, 0).add(0, 3, MB, 0);
        RunResult r = run(config(1, 2, "ps", 3), "local", w);
        assertThat(r.meanResponse()).isCloseTo((1.5 + 2.5 + 3.5) / 3, within(1e-9));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 8})
    void psOnKCoresConservesWork(int cores) {
        // 3k equal processes of 2 s at t = 0: no core idles while work remains, so all finish together at 3k·2/k = 6 s
        Scripted w = new Scripted();
        for (int i = 0; i < 3 * cores; i++) w.add(0, 2, MB, 0);
        RunResult r = run(config(1, cores, "ps", 3L * cores), "local", w);
        assertThat(r.meanResponse()).isCloseTo(6.0, within(1e-9));
        assertThat(r.p99Slowdown()).isCloseTo(3.0, within(0.01));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void psMatchesTheNaiveReference(int cores) {
        SplittableRandom r = new SplittableRandom(cores);
        int n = 300;
        double[] arrival = new double[n], size = new double[n];
        Scripted w = new Scripted();
        double t = 0;
        for (int i = 0; i < n; i++) {
            t += r.nextDouble(0, 1.2 / cores);
            arrival[i] = t;
            size[i] = r.nextDouble() < 0.1 ? r.nextDouble(1, 20) : r.nextDouble(0.01, 1);
            w.add(arrival[i], size[i], MB, 0);
        }
        RunResult sim = run(config(1, cores, "ps", n), "local", w);
        assertThat(sim.meanResponse()).isCloseTo(naivePsMeanResponse(arrival, size, cores), within(1e-7));
        assertThat(sim.measured()).isEqualTo(n);
    }

    @Test
    void fifoByHand() {
        // size 2 at 0, size 1 at 1: the second waits until 2, done at 3; responses 2 and 2
        Scripted w = new Scripted().add(0, 2, MB, 0).add(1, 1, MB, 0);
        assertThat(run(config(1, 1, "fifo", 2), "local", w).meanResponse()).isCloseTo(2.0, within(1e-12));
    }

    @Test
    void aProcessWaitsForMemory() {
        // 1 GB node, two 600 MB processes of 1 s on 2 cores: the second waits for the first's memory
        Scripted w = new Scripted().add(0, 1, 600 * MB, 0).add(0, 1, 600 * MB, 0);
        RunResult r = run(config(1, 2, "ps", 2).withMemory(1L << 30), "local", w);
        assertThat(r.meanResponse()).isCloseTo(1.5, within(1e-12));
        assertThat(r.fractionWaited()).isEqualTo(0.5);
    }

    @Test
    void aMigratingProcessMakesNoProgressWhileItMoves() {
        // two 100 s processes born on node 0 of 2; the age rule moves one once age > cost / gap = 0.1 / 2, i.e. at the
        // first tick after t = 0.1 (ticks every 0.01 s); it then runs alone after 0.1 s in flight
        PolicySettings s = new PolicySettings(1, new MigrationCost(0.1, 1e15), 3, 2, 2, 0, 0, 10);
        SimConfig c = new SimConfig(2, 1, 1L << 40, "ps", false, 8, 0.01, s, 2, 0, 1);
        Scripted w = new Scripted().add(0, 100, MB, 0).add(0, 100, MB, 0);
        RunResult r = new Simulator(c, Policies.create("age", s, new SplittableRandom(1)), w).run();
        assertThat(r.migrationsPerProcess()).isEqualTo(0.5);
        assertThat(r.bytesMoved()).isEqualTo(MB);
        assertThat(r.meanDelay()).isGreaterThan(0.1).isLessThanOrEqualTo(0.105 + 1e-9);
    }

    @Test
    void theCooldownCapCensorsWhatIsStillRunning() {
        // one 100 s process, measured; the run may wait 10 s after its arrival: it counts with ≈ 10 s of response
        Scripted w = new Scripted().add(0, 1, MB, 0).add(0, 100, MB, 0);
        RunResult r = run(config(1, 1, "ps", 1).withWarmup(1).withCooldownCap(10), "local", w);
        assertThat(r.censored()).isEqualTo(1);
        assertThat(r.meanResponse()).isGreaterThan(10).isLessThanOrEqualTo(11);
        // it shared the core with the 1 s process for 2 s, then ran alone: it has waited exactly 1 s so far
        assertThat(r.meanDelay()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void seededRunsAreReproducibleBitForBit() {
        for (String info : List.of("probes", "gossip"))
            for (String policy : List.of("roam", "work-stealing", "jiq")) {
                RunResult a = once(policy, info), b = once(policy, info);
                assertThat(Double.doubleToRawLongBits(b.meanDelay())).isEqualTo(Double.doubleToRawLongBits(a.meanDelay()));
                assertThat(b.p99Slowdown()).isEqualTo(a.p99Slowdown());
                assertThat(b.migrationsPerProcess()).isEqualTo(a.migrationsPerProcess());
                assertThat(b.bytesMoved()).isEqualTo(a.bytesMoved());
                assertThat(b.messagesPerNodeSecond()).isEqualTo(a.messagesPerNodeSecond());
                assertThat(b.simulatedSeconds()).isEqualTo(a.simulatedSeconds());
                assertThat(a.migrationsPerProcess() + a.remotePlacements()).as(policy + " did something").isPositive();
            }
    }

    static RunResult once(String policy, String info) {
        SimConfig c = SimConfig.of(200, 2, 30_000, 5).withGossip(info.equals("gossip")).withWarmup(5_000);
        var w = Catalog.open("W1", 200, 2, 0.85, MemorySizes.defaults(), 5);
        return new Simulator(c, Policies.create(policy, c.settings(), new SplittableRandom(5)), w).run();
    }

    @Test
    void everyPolicyRunsOnEveryInformationMode() {
        for (String policy : Policies.NAMES)
            for (boolean gossip : new boolean[] {false, true}) {
                SimConfig c = SimConfig.of(100, 1, 5_000, 2).withGossip(gossip);
                RunResult r = new Simulator(c, Policies.create(policy, c.settings(), new SplittableRandom(2)),
                        Catalog.open("W1", 100, 1, 0.8, MemorySizes.defaults(), 2)).run();
                assertThat(r.measured()).isEqualTo(5_000);
                assertThat(r.meanSlowdown()).isGreaterThanOrEqualTo(1.0);
                assertThat(r.meanDelay()).isGreaterThanOrEqualTo(0);
            }
    }

    @Test
    void aPolicyThatMovesAProcessItDoesNotHoldIsABug() {
        Policy rogue = new Policy() {
            @Override public String name() { return "rogue"; }
            @Override public Decision.Place place(Birth birth, LoadView view) { return new Decision.Place(view.self(), Reason.of("here")); }
            @Override public List<Decision.Periodic> tick(Residents residents, LoadView view) {
                return List.of(new Decision.Migrate(123_456, (view.self() + 1) % view.nodeCount(), Reason.of("not mine")));
            }
        };
        SimConfig c = SimConfig.of(4, 1, 100, 1);
        assertThatThrownBy(() -> new Simulator(c, rogue, Catalog.open("W2", 4, 1, 0.5, MemorySizes.defaults(), 1)).run())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("rogue migrated process 123456");
    }
}
