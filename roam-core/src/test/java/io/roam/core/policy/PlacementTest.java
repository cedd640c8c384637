package io.roam.core.policy;

import static io.roam.core.policy.FakeView.GB;
import static io.roam.core.policy.FakeView.load;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Exec-time decisions, one table row per situation: the view, the policy, where the process must go. */
class PlacementTest {
    static final long MB = 1L << 20;
    static final PolicySettings S = PolicySettings.defaults().withCost(new MigrationCost(0.1, 1.0 * GB));

    /** expected -1: one of the probed nodes; -2: any node at all. */
    static Arguments row(String why, String policy, Supplier<FakeView> view, long memory, int expected, int probes) {
        return Arguments.of(why, policy, view, memory, expected, probes);
    }

    static NodeLoad l(int node, int runnable, int cores, long free, int longRunning, double age) {
        return new NodeLoad(node, runnable, cores, free, longRunning, age);
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                row("local only stays", "local", () -> FakeView.probes(0, 4, 9, 1), 64 * MB, 0, 0),
                row("power-of-3 on 3 nodes sees all, takes the least loaded", "power-of-3",
                        () -> FakeView.probes(0, 3, 5, 1).set(load(1, 1, 1)).set(load(2, 3, 1)), 64 * MB, 1, 2),
                row("power-of-3 skips a node without room", "power-of-3",
                        () -> FakeView.probes(0, 3, 5, 1).set(l(1, 1, 1, 10 * MB, 0, 0)).set(load(2, 3, 1)), 64 * MB, 2, 2),
                row("power-of-3 stays when nothing sampled has room", "power-of-3",
                        () -> FakeView.probes(0, 3, 5, 1).set(l(1, 1, 1, 0, 0, 0)).set(l(2, 3, 1, 0, 0, 0)), 64 * MB, 0, 2),
                row("power-of-2 with gossip samples the window", "power-of-2",
                        () -> FakeView.gossip(0, 100, 5, 1).hear(l(7, 2, 1, 8 * GB, 0, 1)).hear(l(9, 1, 1, 8 * GB, 0, 2)), 64 * MB, 9, 0),
                row("least-loaded takes the lightest report", "least-loaded",
                        () -> FakeView.gossip(0, 100, 2, 1).hear(l(3, 1, 1, 8 * GB, 0, 1)).hear(l(4, 0, 1, 8 * GB, 0, 1)), 64 * MB, 4, 0),
                row("least-loaded stays on a tie", "least-loaded",
                        () -> FakeView.gossip(0, 100, 1, 1).hear(l(3, 1, 1, 8 * GB, 0, 1)), 64 * MB, 0, 0),
                row("least-loaded ignores stale reports", "least-loaded",
                        () -> FakeView.gossip(0, 100, 3, 1).hear(l(3, 0, 1, 8 * GB, 0, 60)), 64 * MB, 0, 0),
                row("least-loaded ignores nodes without room", "least-loaded",
                        () -> FakeView.gossip(0, 100, 3, 1).hear(l(3, 0, 1, 32 * MB, 0, 1)), 64 * MB, 0, 0),
                row("least-loaded compares per core", "least-loaded",
                        () -> FakeView.gossip(0, 100, 3, 2).hear(l(3, 2, 1, 8 * GB, 0, 1)).hear(l(4, 3, 4, 8 * GB, 0, 1)), 64 * MB, 4, 0),
                row("jiq: a local idle core first", "jiq",
                        () -> FakeView.gossip(0, 100, 0, 1).hear(l(5, 0, 1, 8 * GB, 0, 1)), 64 * MB, 0, 0),
                row("jiq: the freshest idle advertisement", "jiq",
                        () -> FakeView.gossip(0, 100, 2, 1).hear(l(4, 0, 1, 8 * GB, 0, 3)).hear(l(5, 0, 1, 8 * GB, 0, 1))
                                .hear(l(6, 1, 1, 8 * GB, 0, 0)), 64 * MB, 5, 0),
                row("jiq: an empty I-queue means a random node", "jiq",
                        () -> FakeView.gossip(0, 100, 2, 1).hear(l(6, 1, 1, 8 * GB, 0, 0)), 64 * MB, -2, 0),
                row("roam: a local idle core, no message", "roam", () -> FakeView.probes(0, 50, 0, 1), 64 * MB, 0, 0),
                row("roam: busy here, stops at the first idle node", "roam", () -> FakeView.probes(0, 50, 2, 1), 64 * MB, -1, 1),
                row("roam: everyone as busy, d+1 probes, stays", "roam", () -> allBusy(2), 64 * MB, 0, 3),
                row("roam: everyone busy but lighter, goes after d+1 probes", "roam", () -> allBusy(1).withLocal(4), 64 * MB, -1, 3),
                row("roam: no room here, idle core or not", "roam", () -> FakeView.probes(0, 50, 0, 1).withLocalFree(10 * MB), 64 * MB, -1, 1),
                row("roam: no room anywhere, waits here", "roam", () -> noRoom(), 64 * MB, 0, 3),
                row("roam: prefers room with headroom over a lighter node without", "roam",
                        () -> FakeView.gossip(0, 100, 3, 1).hear(l(3, 0, 1, 70 * MB, 0, 1)).hear(l(4, 1, 1, 4 * GB, 0, 1)), 64 * MB, 4, 0),
                row("roam: on a tie, fewer long-running processes", "roam",
                        () -> FakeView.gossip(0, 100, 3, 1).hear(l(3, 1, 1, 8 * GB, 1, 1)).hear(l(4, 1, 1, 8 * GB, 0, 1)), 64 * MB, 4, 0),
                row("roam: stale gossip is ignored", "roam",
                        () -> FakeView.gossip(0, 100, 3, 1).hear(l(3, 0, 1, 8 * GB, 0, 30)), 64 * MB, 0, 0));
    }

    static FakeView allBusy(int runnable) {
        FakeView v = FakeView.probes(0, 50, 2, 1);
        for (int i = 1; i < 50; i++) v.set(load(i, runnable, 1));
        return v;
    }

    static FakeView noRoom() {
        FakeView v = FakeView.probes(0, 50, 2, 1).withLocalFree(0);
        for (int i = 1; i < 50; i++) v.set(l(i, 0, 1, 0, 0, 0));
        return v;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void places(String why, String policy, Supplier<FakeView> build, long memory, int expected, int probes) {
        FakeView view = build.get();
        Policy p = Policies.create(policy, S, new SplittableRandom(42));
        Decision.Place place = p.place(new Birth(1, memory), view);
        if (expected == -1) assertThat(place.node()).isNotEqualTo(view.self).isIn(view.probed);
        else if (expected == -2) assertThat(place.node()).isBetween(0, view.nodes - 1);
        else assertThat(place.node()).isEqualTo(expected);
        assertThat(view.probed).as("probes sent").hasSize(probes);
        assertThat(place.why().text()).isNotBlank().doesNotContain("{");
    }
}
