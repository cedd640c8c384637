package io.roam.coordinator.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.roam.coordinator.store.ZkNodeStore;
import io.roam.core.NodeId;
import io.roam.proto.AttachEvent;
import io.roam.proto.AttachRequest;
import io.roam.proto.MembershipGrpc;
import io.roam.proto.NodeInfo;
import io.roam.rpc.ClusterCa;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node is up while its Attach stream is open (with its live znode) and down the moment the stream breaks. */
class AttachServiceTest {
    @TempDir Path tmp;

    @Test void upWhileAttachedDownAtOnceWhenTheStreamBreaks() throws Exception {
        try (TestingServer zk = new TestingServer(true);
             CuratorFramework curator = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
            curator.start();
            assertThat(curator.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
            Membership m = new Membership(new ZkNodeStore(curator), System::currentTimeMillis);
            LiveNodes live = new LiveNodes(curator);
            ClusterCa ca = ClusterCa.loadOrCreate(tmp.resolve("ca"));
            Server server = Tls.startServer("127.0.0.1:0", ca.issue("coordinator", List.of("127.0.0.1")),
                    new AttachService(m, live, ca.clusterId()));
            NodeId n1 = NodeId.of("n1");
            ManagedChannel agent = Tls.channel("127.0.0.1:" + server.getPort(), ca.issue("agent-n1", List.of()));
            ManagedChannel stranger = Tls.channel("127.0.0.1:" + server.getPort(), ca.issue("agent-n2", List.of()));
            try {
                var request = AttachRequest.newBuilder().setNode("n1").build();
                assertThatThrownBy(() -> MembershipGrpc.newBlockingStub(agent).attach(request).hasNext())
                        .as("not registered yet").isInstanceOf(StatusRuntimeException.class).hasMessageContaining("not registered");
                m.register(NodeInfo.newBuilder().setId("n1").setAddress("127.0.0.1:1").build());
                assertThatThrownBy(() -> MembershipGrpc.newBlockingStub(stranger).attach(request).hasNext())
                        .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("cannot attach node n1");

                Context.CancellableContext call = Context.current().withCancellation();
                Iterator<AttachEvent> events = call.call(() -> MembershipGrpc.newBlockingStub(agent).attach(request));
                assertThat(events.next().getClusterId()).isEqualTo(ca.clusterId());
                assertThat(m.isUp(n1)).isTrue();
                await(() -> live.isLive(n1));

                call.cancel(null); // the agent goes away
                await(() -> !m.isUp(n1));
                assertThat(m.node(n1).orElseThrow().getState()).isEqualTo(Membership.DOWN);
                await(() -> !live.isLive(n1));

                m.register(NodeInfo.newBuilder().setId("n1").setAddress("127.0.0.1:1").build());
                assertThat(m.isUp(n1)).as("a registration proves it lives again").isTrue();
            } finally {
                agent.shutdownNow();
                stranger.shutdownNow();
                server.shutdownNow();
            }
        }
    }

    /** After a network cut heals, the agent registers and attaches again; the old stream breaks later: still up. */
    @Test void aStaleStreamThatBreaksAfterANewerOneOpenedLeavesTheNodeUp() throws Exception {
        try (TestingServer zk = new TestingServer(true);
             CuratorFramework curator = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
            curator.start();
            assertThat(curator.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
            Membership m = new Membership(new ZkNodeStore(curator), System::currentTimeMillis);
            LiveNodes live = new LiveNodes(curator);
            ClusterCa ca = ClusterCa.loadOrCreate(tmp.resolve("ca"));
            Server server = Tls.startServer("127.0.0.1:0", ca.issue("coordinator", List.of("127.0.0.1")),
                    new AttachService(m, live, ca.clusterId()));
            NodeId n1 = NodeId.of("n1");
            ManagedChannel agent = Tls.channel("127.0.0.1:" + server.getPort(), ca.issue("agent-n1", List.of()));
            try {
                var request = AttachRequest.newBuilder().setNode("n1").build();
                m.register(NodeInfo.newBuilder().setId("n1").setAddress("127.0.0.1:1").build());
                Context.CancellableContext old = Context.current().withCancellation();
                assertThat(old.call(() -> MembershipGrpc.newBlockingStub(agent).attach(request)).next().getClusterId()).isEqualTo(ca.clusterId());
                m.register(NodeInfo.newBuilder().setId("n1").setAddress("127.0.0.1:1").build());
                Context.CancellableContext fresh = Context.current().withCancellation();
                assertThat(fresh.call(() -> MembershipGrpc.newBlockingStub(agent).attach(request)).next().getClusterId()).isEqualTo(ca.clusterId());
                await(() -> live.isLive(n1));

                old.cancel(null); // the stale stream finally breaks
                Thread.sleep(500);
                assertThat(m.isUp(n1)).as("up: its newer stream is open").isTrue();
                assertThat(live.isLive(n1)).as("live marker kept").isTrue();

                fresh.cancel(null);
                await(() -> !m.isUp(n1));
                await(() -> !live.isLive(n1));
            } finally {
                agent.shutdownNow();
                server.shutdownNow();
            }
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 5 s");
            Thread.sleep(20);
        }
    }
}
