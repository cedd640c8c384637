package io.roam.agent.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.roam.proto.ProbeReply;
import io.roam.proto.ProbeRequest;
import io.roam.proto.TransferGrpc;
import io.roam.rpc.ClusterCa;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One cached mutual-TLS channel per peer: reused, replaced after a failure or a restart of the peer, closed at stop. */
class PeerChannelsTest {
    @TempDir Path dir;

    private static Server peer(Identity id, int port) {
        return Tls.startServer("127.0.0.1:" + port, id, new TransferGrpc.TransferImplBase() {
            @Override public void probe(ProbeRequest r, StreamObserver<ProbeReply> out) {
                out.onNext(ProbeReply.newBuilder().setHoldsJob(r.getJob().equals("j")).build());
                out.onCompleted();
            }
        });
    }

    private static boolean probe(ManagedChannel ch) {
        return TransferGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).probe(ProbeRequest.newBuilder().setJob("j").build())
                .getHoldsJob();
    }

    @Test
    void aPeersChannelIsReusedReplacedAfterAFailureAndClosedAtStop() throws Exception {
        ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("ca"));
        Server server = peer(Identity.loadOrIssue(ca, dir.resolve("ids"), "agent-n2"), 0);
        int port = server.getPort();
        String address = "127.0.0.1:" + port;
        PeerChannels peers = new PeerChannels(Identity.loadOrIssue(ca, dir.resolve("ids"), "agent-n1"));
        try {
            ManagedChannel first = peers.get(address);
            assertThat(probe(first)).isTrue();
            assertThat(peers.get(address)).isSameAs(first);
            assertThat(peers.size()).isEqualTo(1);

            // the peer restarts on the same address: the cached channel reconnects at once (no gRPC backoff)
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server = peer(Identity.loadOrIssue(ca, dir.resolve("ids"), "agent-n2"), port);
            assertThat(probe(peers.get(address))).isTrue();

            // after a failed call the caller discards it: the next get makes a fresh channel
            peers.discard(address, first);
            assertThat(first.isShutdown()).isTrue();
            ManagedChannel second = peers.get(address);
            assertThat(second).isNotSameAs(first);
            assertThat(probe(second)).isTrue();
            // discarding a channel that was replaced already leaves the new one alone
            peers.discard(address, first);
            assertThat(peers.get(address)).isSameAs(second);

            peers.close();
            assertThat(second.isShutdown()).isTrue();
            assertThat(peers.size()).isZero();
            assertThatThrownBy(() -> peers.get(address)).isInstanceOf(IllegalStateException.class);
        } finally {
            peers.close();
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
