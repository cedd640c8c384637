package io.roam.cli.daemon.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bridge and node namespaces of a local cluster, made and removed with the real ip command (needs root). */
class LocalNetworkIT {
    @TempDir Path tmp;
    private final IpCommand ip = new IpCommand();
    private LocalNetwork a;
    private LocalNetwork b;

    @AfterEach
    void cleanUp() {
        if (a != null) a.destroy();
        if (b != null) b.destroy();
    }

    @Test
    void createsReachableNodesIdempotentlyAndRemovesThem() throws IOException {
        a = LocalNetwork.forHome(tmp.resolve("a"), tmp.resolve("a/run"), ip);
        a.create(2);
        a.create(2); // again: nothing to do, no error
        assertThat(a.exists()).isTrue();
        assertThat(a.nodes()).containsExactly(1, 2);
        assertThat(a.bridge()).hasSizeLessThanOrEqualTo(15).startsWith("rm");
        try (var listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(a.hostAddress(), 0));
            for (int k = 1; k <= 2; k++) {
                assertThat(ip.run("netns", "exec", a.namespace(k), "timeout", "5", "bash", "-c",
                        "exec 3<>/dev/tcp/" + a.hostAddress() + "/" + listener.getLocalPort()).exit())
                        .as("n%d connects to the host side of the bridge", k).isZero();
            }
            assertThat(ip.run("-n", a.namespace(2), "-4", "addr", "show", "dev", "eth0").out()).contains(a.nodeAddress(2) + "/24");
        }
        assertThat(a.pids(1)).isEmpty();

        LocalNetwork reread = LocalNetwork.saved(tmp.resolve("a"), tmp.resolve("a/run"), ip).orElseThrow();
        assertThat(reread.hostAddress()).isEqualTo(a.hostAddress());

        a.destroy();
        assertThat(a.exists()).isFalse();
        assertThat(a.nodes()).isEmpty();
        assertThat(ip.run("link", "show").out()).doesNotContain("rv" + LocalNetwork.shortId(tmp.resolve("a")));
        assertThat(LocalNetwork.saved(tmp.resolve("a"), tmp.resolve("a/run"), ip)).isEmpty();
        a.destroy(); // again: nothing left to remove, no error
        a = null;
    }

    @Test
    void twoHomesGetTheirOwnBridgeAndSubnet() {
        a = LocalNetwork.forHome(tmp.resolve("a"), tmp.resolve("a/run"), ip);
        a.create(1);
        b = LocalNetwork.forHome(tmp.resolve("b"), tmp.resolve("b/run"), ip);
        b.create(1);
        assertThat(b.bridge()).isNotEqualTo(a.bridge());
        assertThat(b.namespace(1)).isNotEqualTo(a.namespace(1));
        assertThat(b.hostAddress()).isNotEqualTo(a.hostAddress());
    }
}
