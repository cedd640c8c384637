package io.roam.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class JobNetPlanTest {
    private final JobNetPlan plan = new JobNetPlan("10.130.7.12");

    @Test
    void namesFitTheKernelsLimitsAndDeriveFromTheAddress() {
        assertThat(plan.namespace()).isEqualTo("roamj-0a82070c");
        assertThat(plan.nodeVeth()).isEqualTo("rj0a82070c").hasSizeLessThanOrEqualTo(15);
        assertThat(plan.namespacePath()).isEqualTo("/run/netns/roamj-0a82070c");
        assertThat(new JobNetPlan("10.130.7.13").nodeVeth()).isNotEqualTo(plan.nodeVeth());
    }

    @Test
    void setupMakesTheNamespaceBeforeUsingItAndRoutesTheAddressLast() {
        List<List<String>> steps = plan.setup();
        assertThat(steps.getFirst()).containsExactly("netns", "add", "roamj-0a82070c");
        assertThat(steps.get(1)).containsExactly("link", "add", "rj0a82070c", "type", "veth", "peer", "name", "eth0",
                "netns", "roamj-0a82070c");
        assertThat(steps).contains(List.of("-n", "roamj-0a82070c", "link", "set", "lo", "up"),
                List.of("-n", "roamj-0a82070c", "addr", "add", "10.130.7.12/32", "dev", "eth0"),
                List.of("-n", "roamj-0a82070c", "route", "add", "default", "dev", "eth0"));
        assertThat(steps.getLast()).containsExactly("route", "replace", "10.130.7.12/32", "dev", "rj0a82070c");
        // eth0 is up before the default route that needs it
        assertThat(steps.indexOf(List.of("-n", "roamj-0a82070c", "link", "set", "eth0", "up")))
                .isLessThan(steps.indexOf(List.of("-n", "roamj-0a82070c", "route", "add", "default", "dev", "eth0")));
    }

    @Test
    void teardownRemovesTheVethAndForgetsTheName() {
        assertThat(plan.unplumb()).containsExactly("link", "del", "rj0a82070c");
        assertThat(plan.unname()).containsExactly("netns", "del", "roamj-0a82070c");
        assertThat(plan.nodeSysctls()).contains("net/ipv4/ip_forward", "net/ipv4/conf/rj0a82070c/proxy_arp");
    }

    @Test
    void refusesWhatIsNotAnAddress() {
        assertThatThrownBy(() -> new JobNetPlan("10.1.2")).isInstanceOf(IllegalArgumentException.class);
    }
}
