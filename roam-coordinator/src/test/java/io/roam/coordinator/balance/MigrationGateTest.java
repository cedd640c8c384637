package io.roam.coordinator.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MigrationGateTest {
    private final BalanceSettings settings = new BalanceSettings("roam", 2, Duration.ofSeconds(30), Duration.ofMinutes(5),
            OwnerRule.Settings.defaults());

    @Test
    void capsConcurrentMigrationsClusterWide() {
        var gate = new MigrationGate(settings);
        gate.started("a");
        assertThat(gate.blocked("a", 0, false)).contains("already moving");
        assertThat(gate.blocked("b", 0, false)).isEmpty();
        gate.started("b");
        assertThat(gate.full()).isTrue();
        assertThat(gate.blocked("c", 0, false)).hasValueSatisfying(w -> assertThat(w).contains("cap 2"));
        gate.finished("a", true, 1_000);
        assertThat(gate.full()).isFalse();
        assertThat(gate.blocked("c", 1_000, false)).isEmpty();
    }

    @Test
    void aMovedJobStaysPutForTheIntervalUnlessEvicted() {
        var gate = new MigrationGate(settings);
        gate.started("a");
        gate.finished("a", true, 10_000);
        assertThat(gate.moves("a")).isEqualTo(1);
        assertThat(gate.blocked("a", 39_999, false)).hasValueSatisfying(w -> assertThat(w).startsWith("moved 29 s ago"));
        assertThat(gate.blocked("a", 39_999, true)).isEmpty();   // its new node's owner came back: it leaves anyway
        assertThat(gate.blocked("a", 40_000, false)).isEmpty();
    }

    @Test
    void aRefusedJobIsNotRetriedEverySecond() {
        var gate = new MigrationGate(settings);
        gate.started("a");
        gate.finished("a", false, 0);
        assertThat(gate.moves("a")).isZero();
        for (long t = 1_000; t < 300_000; t += 1_000) assertThat(gate.blocked("a", t, false)).isPresent();
        assertThat(gate.blocked("a", 300_000, true)).isEmpty();
    }

    @Test
    void aFailedEvictionIsTriedAgainSoonTheOwnerIsWaiting() {
        var gate = new MigrationGate(settings);
        gate.started("g");
        gate.finished("g", false, 0);
        assertThat(gate.blocked("g", MigrationGate.EVICT_RETRY_MS - 1, true)).isPresent();
        assertThat(gate.blocked("g", MigrationGate.EVICT_RETRY_MS, true)).isEmpty();
        assertThat(gate.blocked("g", MigrationGate.EVICT_RETRY_MS, false)).as("the balancer's own moves wait the full backoff").isPresent();
    }

    @Test
    void forgetsJobsThatAreGone() {
        var gate = new MigrationGate(settings);
        gate.started("a");
        gate.finished("a", true, 0);
        gate.retain(Set.of("b"));
        assertThat(gate.moves("a")).isZero();
        assertThat(gate.blocked("a", 1, false)).isEmpty();
    }
}
