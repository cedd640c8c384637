package io.roam.core.policy;

import static io.roam.core.policy.FakeView.GB;
import static io.roam.core.policy.FakeView.load;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Once-a-second decisions, one table row per situation: who moves where, and how many probes it took. */
class PeriodicTest {
    static final long MB = 1L << 20;
    /** Migration: 0.1 s + memory at 1 GB/s; d = 3 (so on 4 nodes every other node is probed). */
    static final PolicySettings S = PolicySettings.defaults().withCost(new MigrationCost(0.1, 1.0 * GB)).withProbes(3);

    static Arguments row(String why, String policy, PolicySettings s, Supplier<FakeView> view, Supplier<FakeResidents> residents,
                         List<Long> moved, int probes) {
        return Arguments.of(why, policy, s, view, residents, moved, probes);
    }

    static FakeResidents r() { return new FakeResidents(); }

    static Stream<Arguments> rows() {
        PolicySettings onePerTick = S.withLimits(3, 2, 1);
        return Stream.of(
                row("age: the old process leaves a crowded node", "age", S, () -> FakeView.probes(0, 4, 3, 1),
                        () -> r().add(1, 5, 64 * MB).add(2, 0.01, 64 * MB).add(3, 0.01, 64 * MB), List.of(1L), 3),
                row("age: two old ones, but the gap closes after one", "age", S, () -> FakeView.probes(0, 4, 2, 1),
                        () -> r().add(1, 5, 64 * MB).add(2, 5, 64 * MB), List.of(1L), 3),
                row("age: alone on its core, nothing to gain", "age", S, () -> FakeView.probes(0, 4, 1, 1),
                        () -> r().add(1, 50, 64 * MB), List.of(), 0),
                row("age: all young (age < cost / gap), no probe either", "age", S, () -> FakeView.probes(0, 4, 3, 1),
                        () -> r().add(1, 0.01, 64 * MB).add(2, 0.01, 64 * MB).add(3, 0.01, 64 * MB), List.of(), 0),
                row("age: at its migration cap it stays; the next one goes", "age", S, () -> FakeView.probes(0, 4, 3, 1),
                        () -> r().add(1, 9, 64 * MB, 3, true).add(2, 5, 64 * MB).add(3, 0.01, 64 * MB), List.of(2L), 3),
                row("age: no room there for the big one; the smaller one goes", "age", S,
                        () -> FakeView.probes(0, 2, 3, 1).set(new NodeLoad(1, 0, 1, 1 * GB, 0, 0)),
                        () -> r().add(1, 9, 2 * GB).add(2, 5, 64 * MB).add(3, 0.01, 64 * MB), List.of(2L), 1),
                row("age: rate limit of one move a tick", "age", onePerTick, () -> FakeView.probes(0, 4, 6, 1),
                        () -> r().add(1, 5, 64 * MB).add(2, 5, 64 * MB).add(3, 5, 64 * MB).add(4, 5, 64 * MB).add(5, 5, 64 * MB).add(6, 5, 64 * MB),
                        List.of(1L), 3),
                row("age: gap of one is not enough (no ping-pong)", "age", S,
                        () -> FakeView.probes(0, 2, 2, 1).set(load(1, 1, 1)), () -> r().add(1, 50, 64 * MB).add(2, 50, 64 * MB), List.of(), 1),
                row("roam: the old process leaves a crowded node", "roam", S, () -> FakeView.probes(0, 8, 3, 1),
                        () -> r().add(1, 10, 64 * MB).add(2, 0.5, 64 * MB).add(3, 0.5, 64 * MB), List.of(1L), 6),
                row("roam: younger than the age floor, nothing (and no probe)", "roam", S, () -> FakeView.probes(0, 8, 3, 1),
                        () -> r().add(1, RoamPolicy.MIN_AGE_SECONDS * 0.9, 64 * MB).add(2, 0.5, 64 * MB).add(3, 0.5, 64 * MB), List.of(), 0),
                row("roam: alone on its cores, nothing", "roam", S, () -> FakeView.probes(0, 8, 2, 2),
                        () -> r().add(1, 100, 64 * MB).add(2, 100, 64 * MB), List.of(), 0),
                row("roam: the move would not pay for its memory", "roam", S, () -> FakeView.probes(0, 8, 2, 1),
                        () -> r().add(1, 2.5, 4 * GB).add(2, 0.5, 64 * MB), List.of(), 0),
                row("roam: no target keeps the headroom", "roam", S, () -> tight(),
                        () -> r().add(1, 10, 64 * MB).add(2, 0.5, 64 * MB).add(3, 0.5, 64 * MB), List.of(), 6),
                row("roam: with gossip, targets from the window only", "roam", S,
                        () -> FakeView.gossip(0, 100, 3, 1).hear(new NodeLoad(42, 0, 1, 8 * GB, 0, 2)),
                        () -> r().add(1, 10, 64 * MB).add(2, 0.5, 64 * MB).add(3, 0.5, 64 * MB), List.of(1L), 0),
                row("roam: waiting for memory is not a reason to move", "roam", S, () -> FakeView.probes(0, 8, 1, 1),
                        () -> r().add(1, 0, 64 * MB, 0, false).add(2, 0.5, 64 * MB), List.of(), 0),
                row("local only never moves anything", "local", S, () -> FakeView.probes(0, 8, 9, 1),
                        () -> r().add(1, 100, 64 * MB).add(2, 100, 64 * MB), List.of(), 0),
                row("power-of-2 never moves anything", "power-of-2", S, () -> FakeView.probes(0, 8, 9, 1),
                        () -> r().add(1, 100, 64 * MB).add(2, 100, 64 * MB), List.of(), 0));
    }

    static FakeView tight() {
        FakeView v = FakeView.probes(0, 8, 3, 1);
        for (int i = 1; i < 8; i++) v.set(new NodeLoad(i, 0, 1, 80 * MB, 0, 0));
        return v;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void decides(String why, String policy, PolicySettings s, Supplier<FakeView> build, Supplier<FakeResidents> residents,
                 List<Long> moved, int probes) {
        FakeView view = build.get();
        List<Decision.Periodic> out = Policies.create(policy, s, new SplittableRandom(7)).tick(residents.get(), view);
        assertThat(out).allSatisfy(d -> assertThat(d).isInstanceOf(Decision.Migrate.class));
        assertThat(out.stream().map(d -> ((Decision.Migrate) d).process()).toList()).isEqualTo(moved);
        for (Decision.Periodic d : out) {
            Decision.Migrate m = (Decision.Migrate) d;
            assertThat(m.to()).isNotEqualTo(view.self);
            assertThat(m.why().text()).doesNotContain("{");
        }
        assertThat(view.probed).as("probes sent").hasSize(probes);
    }

    @Test
    void ageRuleMovesToTheLeastLoaded() {
        FakeView view = FakeView.probes(0, 4, 4, 1).set(load(1, 2, 1)).set(load(2, 0, 1)).set(load(3, 1, 1));
        var out = new AgeRule(S, new SplittableRandom(1)).tick(r().add(1, 5, 64 * MB).add(2, 4, 64 * MB).add(3, 0, MB).add(4, 0, MB), view);
        // n = 4 vs m = 0: the oldest goes; then 3 vs 1, still a gap of 2, so the next oldest follows it
        assertThat(out).hasSize(2).allSatisfy(d -> assertThat(((Decision.Migrate) d).to()).isEqualTo(2));
        assertThat(out.stream().map(d -> ((Decision.Migrate) d).process()).toList()).containsExactly(1L, 2L);
    }

    @Test
    void workStealingAsksWhenIdleAndVictimsGiveTheirOldest() {
        WorkStealing ws = new WorkStealing(S.withProbes(1), new SplittableRandom(3));
        var asks = ws.tick(r(), FakeView.probes(0, 10, 0, 1));
        assertThat(asks).singleElement().isInstanceOfSatisfying(Decision.Steal.class, s -> assertThat(s.from()).isBetween(1, 9));
        assertThat(ws.tick(r().add(1, 1, MB), FakeView.probes(0, 10, 1, 1))).isEmpty();

        NodeLoad thief = load(5, 0, 1);
        FakeResidents victim = r().add(1, 3, 64 * MB).add(2, 7, 64 * MB).add(3, 0.1, 64 * MB);
        assertThat(ws.surrender(thief, victim, FakeView.probes(0, 10, 3, 1))).singleElement()
                .satisfies(m -> { assertThat(m.process()).isEqualTo(2); assertThat(m.to()).isEqualTo(5); });
        assertThat(ws.surrender(load(5, 1, 1), r().add(1, 3, MB).add(2, 7, MB), FakeView.probes(0, 10, 2, 1)))
                .as("gap of one: refuses").isEmpty();
        NodeLoad small = new NodeLoad(5, 0, 1, 100 * MB, 0, 0);
        assertThat(ws.surrender(small, r().add(1, 3, 64 * MB).add(2, 7, GB).add(3, 1, MB), FakeView.probes(0, 10, 3, 1)))
                .as("the oldest that fits the thief").singleElement().satisfies(m -> assertThat(m.process()).isEqualTo(1));
    }

    @Test
    void joinIdleQueueAdvertisesOnlyWhenIdle() {
        JoinIdleQueue jiq = new JoinIdleQueue(S, new SplittableRandom(3));
        assertThat(jiq.tick(r(), FakeView.probes(4, 10, 0, 2))).singleElement()
                .isInstanceOfSatisfying(Decision.Advertise.class, a -> assertThat(a.to()).isNotEqualTo(4).isBetween(0, 9));
        assertThat(jiq.tick(r().add(1, 1, MB).add(2, 1, MB), FakeView.probes(4, 10, 2, 2))).isEmpty();
    }

    @Test
    void policiesThatDoNotStealRefuse() {
        for (String name : Policies.NAMES)
            if (!name.equals("work-stealing"))
                assertThat(Policies.create(name, S, new SplittableRandom(1))
                        .surrender(load(5, 0, 1), r().add(1, 9, MB).add(2, 9, MB), FakeView.probes(0, 10, 2, 1))).isEmpty();
    }
}
