package io.roam.bench.jmh;

import io.roam.core.policy.Birth;
import io.roam.core.policy.ClusterSnapshot;
import io.roam.core.policy.Decision;
import io.roam.core.policy.LoadView;
import io.roam.core.policy.Policies;
import io.roam.core.policy.Policy;
import io.roam.core.policy.PolicySettings;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Exec-time placement decisions per second over a 10,000-node view, as the coordinator would make them: the view is
 * a {@link ClusterSnapshot} of every node's latest report (at load 0.8 a fifth of the nodes are idle, at 0.99 one in a
 * hundred, so roam spends its whole probe budget; memory from nearly full to empty), the deciding node changes every
 * call. With "gossip" each node sees only an 8-entry window of it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class PlacementBench {
    @Param({"roam", "power-of-2", "least-loaded"})
    String policy;

    @Param({"probes", "gossip"})
    String info;

    @Param({"10000"})
    int nodes;

    @Param({"0.8", "0.99"})
    double load;

    private ClusterSnapshot snapshot;
    private Policy decider;
    private int[][] windows;
    private long[] memory;
    private int next;

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(42);
        snapshot = new ClusterSnapshot(nodes);
        for (int i = 0; i < nodes; i++) {
            int runnable = r.nextDouble() < 1 - load ? 0 : 1 + (int) (-Math.log(1 - r.nextDouble()) * 1.5);
            snapshot.report(i, runnable, 1, r.nextLong(8L << 30), Math.min(runnable, r.nextInt(2)), r.nextDouble(-5, 0));
        }
        windows = new int[nodes][];
        for (int i = 0; i < nodes; i++) {
            windows[i] = new int[8];
            for (int j = 0; j < 8; j++) windows[i][j] = (i + 1 + r.nextInt(nodes - 1)) % nodes;
        }
        memory = new long[1024];
        for (int i = 0; i < memory.length; i++) memory[i] = (long) (128 * (1 << 20) * Math.exp(1.5 * r.nextGaussian()));
        decider = Policies.create(policy, PolicySettings.defaults(), new SplittableRandom(7));
    }

    @Benchmark
    public Decision.Place place() {
        int self = next++ % nodes;
        LoadView view = info.equals("gossip") ? snapshot.windowed(self, 1.0, windows[self]) : snapshot.probing(self, 1.0);
        return decider.place(new Birth(next, memory[next & 1023]), view);
    }
}
