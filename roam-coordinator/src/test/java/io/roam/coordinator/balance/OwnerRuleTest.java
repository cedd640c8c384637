package io.roam.coordinator.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.proto.NodeLoad;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OwnerRuleTest {
    private final OwnerRule.Settings settings = OwnerRule.Settings.defaults().withGrace(Duration.ofSeconds(3));
    private static final NodeLoad QUIET = NodeLoad.newBuilder().setCores(2).setOwnerDetected(true).setOwnerIdleSeconds(3600).build();
    private static final NodeLoad NOT_WATCHED = NodeLoad.newBuilder().setCores(2).setLoad1(9).setNonRoamLoad(9).build();

    @Test
    void simulatedActivityOwnsTheNodeAndEvictsAfterTheGrace() {
        var rule = new OwnerRule(settings);
        assertThat(rule.observe(NOT_WATCHED, false, 0)).isEmpty();
        var arrived = rule.observe(NOT_WATCHED, true, 1_000);
        assertThat(arrived).hasValueSatisfying(c -> {
            assertThat(c).isInstanceOf(OwnerRule.Change.Arrived.class);
            assertThat(c.reason()).contains("simulated").contains("after 3 s");
        });
        assertThat(rule.owned()).isTrue();
        assertThat(rule.evict(3_999)).isFalse();
        assertThat(rule.evict(4_000)).isTrue();
        assertThat(rule.observe(NOT_WATCHED, true, 5_000)).isEmpty();
        assertThat(rule.observe(NOT_WATCHED, false, 6_000)).hasValueSatisfying(c -> assertThat(c).isInstanceOf(OwnerRule.Change.Left.class));
        assertThat(rule.owned()).isFalse();
        assertThat(rule.evict(60_000)).isFalse();
    }

    @Test
    void keyboardUseOwnsTheNodeUntilFifteenMinutesOfIdleness() {
        var rule = new OwnerRule(settings);
        var typing = QUIET.toBuilder().setOwnerIdleSeconds(4).setOwnerActivity("terminal pts/0").build();
        assertThat(rule.observe(QUIET, false, 0)).isEmpty();
        assertThat(rule.observe(typing, false, 10_000)).hasValueSatisfying(c -> assertThat(c.reason()).contains("terminal pts/0 used 4 s ago"));
        long lastActive = 10_000;
        assertThat(rule.observe(QUIET, false, lastActive + Duration.ofMinutes(15).toMillis() - 1)).isEmpty();
        assertThat(rule.owned()).isTrue();
        assertThat(rule.observe(QUIET, false, lastActive + Duration.ofMinutes(15).toMillis()))
                .hasValueSatisfying(c -> assertThat(c.reason()).contains("idle for 15 min"));
    }

    @Test
    void nonRoamLoadAboveHalfACorePerCoreIsTheOwner() {
        var rule = new OwnerRule(settings);
        assertThat(rule.observe(QUIET.toBuilder().setNonRoamLoad(0.9).build(), false, 0)).isEmpty();   // 0.45 per core
        assertThat(rule.observe(QUIET.toBuilder().setNonRoamLoad(1.2).build(), false, 1_000))
                .hasValueSatisfying(c -> assertThat(c.reason()).contains("non-roam load 0.60 per core > 0.50"));
    }

    @Test
    void anAgentThatDoesNotWatchNeverReportsAnOwner() {
        var rule = new OwnerRule(settings);
        for (long t = 0; t < 100_000; t += 1_000) assertThat(rule.observe(NOT_WATCHED, false, t)).isEmpty();
    }
}
