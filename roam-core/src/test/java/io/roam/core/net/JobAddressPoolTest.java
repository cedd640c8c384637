package io.roam.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobAddressPoolTest {
    private final JobAddressPool pool = JobAddressPool.parse("10.130.7.0/24");

    @Test
    void a24HoldsTheHostAddressesOnly() {
        assertThat(pool.size()).isEqualTo(254);
        assertThat(pool.address(0)).isEqualTo("10.130.7.1");
        assertThat(pool.address(253)).isEqualTo("10.130.7.254");
        assertThat(pool.contains("10.130.7.0")).isFalse();
        assertThat(pool.contains("10.130.7.255")).isFalse();
        assertThat(pool.contains("10.130.7.9")).isTrue();
        assertThat(pool.contains("10.130.8.9")).isFalse();
        assertThat(pool.contains("not an address")).isFalse();
    }

    @Test
    void picksTheFirstFreeFromTheStartRoundTheRange() {
        assertThat(pool.pick(Set.of(), 0)).contains("10.130.7.1");
        assertThat(pool.pick(Set.of("10.130.7.1", "10.130.7.2"), 0)).contains("10.130.7.3");
        assertThat(pool.pick(Set.of("10.130.7.254"), 253)).contains("10.130.7.1");
        assertThat(pool.pick(Set.of(), -1)).contains("10.130.7.254");
    }

    @Test
    void neverHandsOutATakenAddressAndSaysWhenFull() {
        Set<String> taken = new HashSet<>();
        for (int i = 0; i < pool.size(); i++) {
            String a = pool.pick(taken, i * 7).orElseThrow();
            assertThat(taken.add(a)).as("handed out twice: " + a).isTrue();
        }
        assertThat(pool.pick(taken, 0)).isEmpty();
    }

    @Test
    void refusesRangesThatAreNotNetworks() {
        assertThatThrownBy(() -> JobAddressPool.parse("10.130.7.5/24")).hasMessageContaining("use 10.130.7.0/24");
        assertThatThrownBy(() -> JobAddressPool.parse("10.130.7.0")).hasMessageContaining("A.B.C.D/N");
        assertThatThrownBy(() -> JobAddressPool.parse("10.130.7.0/8")).hasMessageContaining("/16 to /30");
        assertThatThrownBy(() -> JobAddressPool.parse("10.300.7.0/24")).hasMessageContaining("not an IPv4 address");
    }
}
