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
    void theNodeSideMakesTheNamespaceBeforeUsingItAndRoutesTheAddressOnlyWhenActivated() {
        assertThat(plan.nodeSide()).containsExactly(
                List.of("netns", "add", "roamj-0a82070c"),
                List.of("link", "add", "rj0a82070c", "type", "veth", "peer", "name", "eth0", "netns", "roamj-0a82070c"));
        assertThat(plan.nodeSide()).noneMatch(step -> step.contains("route") || step.contains("up"));
        assertThat(plan.activate()).containsExactly(
                List.of("link", "set", "rj0a82070c", "up"),
                List.of("route", "replace", "10.130.7.12/32", "dev", "rj0a82070c"));
    }

    @Test
    void aFrozenSourceTakesItsAddressOffTheNetworkByTheVethAloneAndCanPutItBack() {
        assertThat(plan.deactivate()).containsExactly(List.of("link", "set", "rj0a82070c", "down"));
        assertThat(plan.deactivate()).noneMatch(step -> step.contains("del"));
        assertThat(plan.activate()).first().isEqualTo(List.of("link", "set", "rj0a82070c", "up"));
    }

    @Test
    void theJobSideHasLoopbackItsAddressAndAnOnLinkDefaultRoute() {
        List<List<String>> steps = plan.jobSide();
        assertThat(steps).containsExactly(
                List.of("link", "set", "lo", "up"),
                List.of("addr", "add", "10.130.7.12/32", "dev", "eth0"),
                List.of("link", "set", "eth0", "up"),
                List.of("route", "add", "default", "dev", "eth0"));
    }

    @Test
    void teardownRemovesTheVethAndForgetsTheName() {
        assertThat(plan.unplumb()).containsExactly("link", "del", "rj0a82070c");
        assertThat(plan.unname()).containsExactly("netns", "del", "roamj-0a82070c");
        assertThat(plan.nodeSysctls()).contains("net/ipv4/ip_forward", "net/ipv4/conf/rj0a82070c/proxy_arp");
    }

    @Test
    void theAddressIsAnnouncedOnTheDevicesThatWouldReachItWereTheJobElsewhere() {
        assertThat(plan.coveringRoutes()).containsExactly("-o", "-4", "route", "show", "match", "10.130.7.12");
        // a local cluster's node: the job range over the bridge, the job's own /32 over its veth
        assertThat(plan.uplinks("10.130.7.0/24 dev eth0 scope link \n10.130.7.12 dev rj0a82070c scope link \n"))
                .containsExactly("eth0");
        // a host: the default route, a second uplink, loopback and the veth left out, each device once
        assertThat(plan.uplinks("default via 192.0.2.1 dev ens3 proto dhcp metric 100\n10.128.0.0/10 dev br0 scope link\n"
                + "10.130.0.0/16 via 192.0.2.9 dev ens3\n10.130.7.12 dev rj0a82070c scope link\n10.130.7.12 dev lo"))
                .containsExactly("ens3", "br0");
        assertThat(plan.uplinks("")).isEmpty();
        assertThat(plan.uplinks("10.130.7.12 dev rj0a82070c scope link")).as("no route but the job's own").isEmpty();
        assertThat(plan.announce("eth0")).containsExactly("-U", "-q", "-c", "2", "-I", "eth0", "10.130.7.12");
    }

    @Test
    void refusesWhatIsNotAnAddress() {
        assertThatThrownBy(() -> new JobNetPlan("10.1.2")).isInstanceOf(IllegalArgumentException.class);
    }
}
