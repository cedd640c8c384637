package io.roam.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One contract, every policy: thousands of random situations, and in each the decisions must be well-formed, within
 * the limits, respectful of the information mode (no probe with gossip only), and a pure function of the inputs and
 * the seed.
 */
class PolicyContractTest {
    static final long MB = 1L << 20;

    static Stream<String> policies() { return Stream.concat(Policies.NAMES.stream(), Stream.of("power-of-3")); }

    record Situation(FakeView view, FakeResidents residents) {}

    static Situation random(SplittableRandom r) {
        int nodes = 2 + r.nextInt(40), self = r.nextInt(nodes), cores = 1 + r.nextInt(4);
        boolean gossip = r.nextBoolean();
        FakeView v = gossip ? FakeView.gossip(self, nodes, 0, cores) : FakeView.probes(self, nodes, 0, cores);
        FakeResidents res = new FakeResidents();
        int n = r.nextInt(12);
        int running = 0;
        for (int i = 0; i < n; i++) {
            boolean run = r.nextInt(10) > 0;
            if (run) running++;
            res.add(1000 + i, r.nextDouble() < 0.3 ? r.nextDouble(1, 200) : r.nextDouble(0, 1), (1 + r.nextInt(2048)) * MB,
                    r.nextInt(5), run);
        }
        v.local = new NodeLoad(self, running, cores, (r.nextInt(9000) - 500) * MB, 0, 0);
        for (int i = 0; i < nodes; i++) if (i != self) v.truth.put(i, randomLoad(r, i, cores, 0));
        if (gossip)
            for (int i = 0; i < r.nextInt(10); i++) {
                int node = r.nextInt(nodes);
                if (node != self && knownLoad(v, node) == null) v.hear(randomLoad(r, node, cores, r.nextDouble(0, 20)));
            }
        return new Situation(v, res);
    }

    static NodeLoad randomLoad(SplittableRandom r, int node, int cores, double age) {
        int runnable = r.nextInt(8);
        return new NodeLoad(node, runnable, cores, (r.nextInt(9000) - 500) * MB, r.nextInt(runnable + 1), age);
    }

    @ParameterizedTest
    @MethodSource("policies")
    void decisionsAreWellFormedWithinLimitsAndPure(String name) {
        PolicySettings s = PolicySettings.defaults().withLimits(3, 2, 2);
        SplittableRandom scenarios = new SplittableRandom(name.hashCode());
        for (int round = 0; round < 3000; round++) {
            long seed = scenarios.nextLong();
            Situation a = random(new SplittableRandom(seed)), b = random(new SplittableRandom(seed));
            Policy p = Policies.create(name, s, new SplittableRandom(seed)), q = Policies.create(name, s, new SplittableRandom(seed));
            long mem = (1 + scenarios.nextInt(1024)) * MB;

            Decision.Place place = p.place(new Birth(round, mem), a.view());
            assertThat(place.node()).isBetween(0, a.view().nodes - 1);
            assertThat(place.why().text()).isNotBlank();
            assertThat(q.place(new Birth(round, mem), b.view())).as("pure: same inputs, same seed").isEqualTo(place);

            List<Decision.Periodic> out = p.tick(a.residents(), a.view());
            assertThat(q.tick(b.residents(), b.view())).as("pure").isEqualTo(out);
            Set<Long> moved = new HashSet<>();
            int migrations = 0;
            for (Decision.Periodic d : out) {
                switch (d) {
                    case Decision.Migrate m -> {
                        migrations++;
                        int i = indexOf(a.residents(), m.process());
                        assertThat(i).as("migrates one of its own processes").isGreaterThanOrEqualTo(0);
                        assertThat(moved.add(m.process())).as("at most once a tick").isTrue();
                        assertThat(a.residents().migrations(i)).as("migration cap").isLessThan(s.maxMigrations());
                        assertThat(m.to()).isBetween(0, a.view().nodes - 1).isNotEqualTo(a.view().self);
                        NodeLoad target = a.view().canProbe ? a.view().truth.get(m.to()) : knownLoad(a.view(), m.to());
                        assertThat(target.fits(a.residents().memoryBytes(i))).as("memory-aware").isTrue();
                    }
                    case Decision.Steal st -> assertThat(st.from()).isBetween(0, a.view().nodes - 1).isNotEqualTo(a.view().self);
                    case Decision.Advertise ad -> assertThat(ad.to()).isBetween(0, a.view().nodes - 1).isNotEqualTo(a.view().self);
                }
                assertThat(d.why().text()).isNotBlank().doesNotContain("{");
            }
            assertThat(migrations).as("rate limit").isLessThanOrEqualTo(s.maxPerTick());

            NodeLoad thief = new NodeLoad((a.view().self + 1) % a.view().nodes, 0, 1, 4096 * MB, 0, 0);
            for (Decision.Migrate m : p.surrender(thief, a.residents(), a.view())) {
                assertThat(m.to()).isEqualTo(thief.node());
                assertThat(indexOf(a.residents(), m.process())).isGreaterThanOrEqualTo(0);
            }
        }
    }

    static NodeLoad knownLoad(FakeView v, int node) {
        NodeLoad found = null;
        for (NodeLoad l : v.window) if (l.node() == node) found = l;
        return found;
    }

    static int indexOf(Residents r, long id) {
        for (int i = 0; i < r.count(); i++) if (r.id(i) == id) return i;
        return -1;
    }
}
