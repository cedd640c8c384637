package io.roam.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.roam.proto.CoordinatorGrpc;
import io.roam.proto.ListNodesReply;
import io.roam.proto.ListNodesRequest;
import io.roam.proto.NodeInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real mutual TLS over loopback: cluster members get answers, strangers are refused. */
class TlsTest {
    @TempDir Path dir;
    private ClusterCa ca;
    private Server server;
    private ManagedChannel channel;

    /** Answers ListNodes with one node named after the caller's certificate. */
    static final class WhoAmI extends CoordinatorGrpc.CoordinatorImplBase {
        @Override public void listNodes(ListNodesRequest request, StreamObserver<ListNodesReply> out) {
            out.onNext(ListNodesReply.newBuilder().addNodes(NodeInfo.newBuilder().setId(CallerIds.peerName())).build());
            out.onCompleted();
        }
    }

    @BeforeEach void start() {
        ca = ClusterCa.loadOrCreate(dir.resolve("ca"));
        server = Tls.startServer("127.0.0.1:0", Identity.loadOrIssue(ca, dir.resolve("ids"), "coordinator"), new WhoAmI());
    }

    @AfterEach void stop() throws InterruptedException {
        if (channel != null) channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private String whoAmI(ManagedChannel ch) {
        channel = ch;
        return CoordinatorGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .listNodes(ListNodesRequest.getDefaultInstance()).getNodes(0).getId();
    }

    private String target() { return "127.0.0.1:" + server.getPort(); }

    @Test void clusterMemberGetsAnAnswerAndIsNamedByItsCertificate() {
        Identity n1 = Identity.loadOrIssue(ca, dir.resolve("ids"), "n1");
        assertThat(whoAmI(Tls.channel(target(), n1))).isEqualTo("n1");
    }

    @Test void clientWithoutCertificateIsRefused() {
        ChannelCredentials noCert = TlsChannelCredentials.newBuilder().trustManager(new Tls.ClusterTrustManager(ca.caCert())).build();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort(), noCert).build();
        assertThatThrownBy(() -> whoAmI(ch)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test void clientWithCertificateOfAnotherCaIsRefused() {
        ClusterCa other = ClusterCa.loadOrCreate(dir.resolve("other-ca"));
        assertThat(other.clusterId()).isNotEqualTo(ca.clusterId());
        Identity stranger = other.issue("n1", List.of("127.0.0.1"));
        // The stranger even trusts our CA: only its own certificate is wrong.
        ChannelCredentials creds = TlsChannelCredentials.newBuilder().keyManager(Tls.keyManagers(stranger))
                .trustManager(new Tls.ClusterTrustManager(ca.caCert())).build();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort(), creds).build();
        assertThatThrownBy(() -> whoAmI(ch)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test void clientRefusesServerOfAnotherCa() {
        ClusterCa other = ClusterCa.loadOrCreate(dir.resolve("other-ca"));
        Identity stranger = other.issue("n9", List.of("127.0.0.1"));
        assertThatThrownBy(() -> whoAmI(Tls.channel(target(), stranger))).isInstanceOf(StatusRuntimeException.class);
    }

    @Test void hostNamesAreNotVerified() throws InterruptedException {
        Identity noSans = ca.issue("bare", List.of());
        Server bare = Tls.startServer("127.0.0.1:0", noSans, new WhoAmI());
        try {
            assertThat(whoAmI(Tls.channel("localhost:" + bare.getPort(), Identity.loadOrIssue(ca, dir.resolve("ids"), "cli"))))
                    .isEqualTo("cli");
        } finally {
            bare.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
