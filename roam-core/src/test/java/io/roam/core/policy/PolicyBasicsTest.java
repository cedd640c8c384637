package io.roam.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyBasicsTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "age {0} s > cost {1} s / gap {2}|4.25|0.3125|2|age 4.25 s > cost 0.313 s / gap 2",
            "n{0} at {1} per core|17|0.5|0|n17 at 0.5 per core",
            "no numbers here|0|0|0|no numbers here",
            "{3} is not a slot, {0} is|1|0|0|{3} is not a slot, 1 is"})
    void reasonsRenderTheirNumbers(String template, double a, double b, double c, String text) {
        assertThat(Reason.of(template, a, b, c).text()).isEqualTo(text);
    }

    @Test
    void nodeLoadArithmetic() {
        NodeLoad l = new NodeLoad(3, 6, 4, 1L << 30, 2, 1.5);
        assertThat(l.perCore()).isEqualTo(1.5);
        assertThat(l.hasIdleCore()).isFalse();
        assertThat(l.rateWith(2)).isEqualTo(0.5);
        assertThat(l.fits(1L << 30)).isTrue();
        assertThat(l.fits((1L << 30) + 1)).isFalse();
        assertThat(l.plusOne(1L << 29)).isEqualTo(new NodeLoad(3, 7, 4, 1L << 29, 2, 1.5));
        assertThat(new NodeLoad(0, 1, 2, 0, 0, 0).hasIdleCore()).isTrue();
        assertThatThrownBy(() -> new NodeLoad(0, 1, 0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NodeLoad(0, 1, 1, 0, 2, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NodeLoad(0, 1, 1, 0, 0, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void migrationCostIsFixedPlusMemoryOverBandwidth() {
        assertThat(new MigrationCost(0.3, 1e6).seconds(2_000_000)).isEqualTo(2.3);
        assertThatThrownBy(() -> new MigrationCost(0.1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void policiesByName() {
        for (String name : Policies.NAMES) assertThat(Policies.create(name, PolicySettings.defaults(), new SplittableRandom(1)).name()).isEqualTo(name);
        assertThat(Policies.create("power-of-5", PolicySettings.defaults(), new SplittableRandom(1)).name()).isEqualTo("power-of-5");
        assertThat(Policies.create("least-loaded", PolicySettings.defaults(), new SplittableRandom(1)).prefersGossip()).isTrue();
        assertThatThrownBy(() -> Policies.create("mosix", PolicySettings.defaults(), new SplittableRandom(1)))
                .hasMessage("unknown policy 'mosix': use one of local, random, least-loaded, power-of-2, age, work-stealing, jiq, roam (power-of-D for any d)");
        assertThatThrownBy(() -> Policies.create("power-of-x", PolicySettings.defaults(), new SplittableRandom(1)))
                .hasMessageStartingWith("unknown policy 'power-of-x'");
    }

    @Test
    void randomPlacementIsUniform() {
        RandomPlacement p = new RandomPlacement(new SplittableRandom(5));
        int[] counts = new int[10];
        for (int i = 0; i < 100_000; i++) counts[p.place(new Birth(i, 0), FakeView.probes(3, 10, 0, 1)).node()]++;
        for (int c : counts) assertThat(c).isBetween(9_500, 10_500);
    }
}
