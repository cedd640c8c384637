package io.roam.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LogHistogramTest {
    @Test
    void quantilesWithinATenthOfAPercent() {
        LogHistogram h = new LogHistogram();
        for (int i = 1; i <= 100_000; i++) h.add(i / 100.0);
        assertThat(h.count()).isEqualTo(100_000);
        assertThat(h.quantile(0.5)).isCloseTo(500, within(0.5));
        assertThat(h.quantile(0.99)).isCloseTo(990, within(1.0));
        assertThat(h.quantile(1.0)).isCloseTo(1000, within(1.0));
        assertThat(new LogHistogram().quantile(0.99)).isNaN();
    }
}
