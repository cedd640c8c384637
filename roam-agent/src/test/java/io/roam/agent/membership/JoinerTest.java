package io.roam.agent.membership;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.roam.core.NodeId;
import io.roam.proto.JoinReply;
import io.roam.proto.JoinRequest;
import io.roam.proto.MembershipGrpc;
import io.roam.rpc.ClusterCa;
import io.roam.rpc.Identity;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Joining pins the CA named in the token, and keeps what the join endpoint issued. */
class JoinerTest {
    static final String SECRET = "ab".repeat(32);
    @TempDir Path tmp;
    ClusterCa ca;
    Server server;
    String fingerprint;

    @BeforeEach
    void startJoinEndpoint() throws Exception {
        ca = ClusterCa.loadOrCreate(tmp.resolve("ca"));
        fingerprint = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ca.caCert().getEncoded()));
        Identity id = ca.issue("coordinator", List.of("127.0.0.1"));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("k", id.key(), new char[0], new X509Certificate[] {id.cert(), id.ca()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0),
                TlsServerCredentials.newBuilder().keyManager(kmf.getKeyManagers()).build()).addService(new MembershipGrpc.MembershipImplBase() {
            @Override public void join(JoinRequest req, StreamObserver<JoinReply> out) {
                if (!req.getSecret().equals(SECRET)) {
                    out.onError(Status.PERMISSION_DENIED.withDescription("the join token is not this cluster's").asRuntimeException());
                    return;
                }
                Identity agent = ca.issue("agent-" + req.getNode(), req.getAddressesList());
                try {
                    out.onNext(JoinReply.newBuilder().setKeyPkcs8(ByteString.copyFrom(agent.key().getEncoded()))
                            .setCertDer(ByteString.copyFrom(agent.cert().getEncoded())).setCaDer(ByteString.copyFrom(agent.ca().getEncoded()))
                            .setClusterId(ca.clusterId()).setClusterSecret(ByteString.copyFrom(ca.secret())).setCoordinator("127.0.0.1:4711").build());
                } catch (java.security.cert.CertificateEncodingException e) {
                    throw new IllegalStateException(e);
                }
                out.onCompleted();
            }
        }).build().start();
    }

    @AfterEach
    void stop() { server.shutdownNow(); }

    private String at() { return "127.0.0.1:" + server.getPort(); }

    @Test
    void joinsWithTheRightTokenAndKeepsTheCredentials() throws Exception {
        JoinOutcome o = Joiner.join(at(), fingerprint + "." + SECRET, NodeId.of("n4"), List.of("10.0.0.4"));
        assertThat(o).isInstanceOf(JoinOutcome.Joined.class);
        JoinedCredentials c = ((JoinOutcome.Joined) o).credentials();
        c.identity().cert().verify(ca.caCert().getPublicKey());
        assertThat(c.identity().commonName()).isEqualTo("agent-n4");
        assertThat(c.secret()).isEqualTo(ca.secret());
        assertThat(c.coordinator()).isEqualTo("127.0.0.1:4711");

        Path dir = tmp.resolve("node/joined");
        assertThat(JoinedCredentials.load(dir)).isEmpty();
        c.save(dir);
        JoinedCredentials back = JoinedCredentials.load(dir).orElseThrow();
        assertThat(back.identity().cert()).isEqualTo(c.identity().cert());
        assertThat(back.identity().key().getEncoded()).isEqualTo(c.identity().key().getEncoded());
        assertThat(back.clusterId()).isEqualTo(ca.clusterId());
        assertThat(back.secret()).isEqualTo(ca.secret());
    }

    @Test
    void refusesAnotherClustersServerAWrongSecretAndAMalformedToken() {
        String otherCa = "0".repeat(64);
        assertThat(Joiner.join(at(), otherCa + "." + SECRET, NodeId.of("n4"), List.of()))
                .isInstanceOfSatisfying(JoinOutcome.JoinRefused.class, r -> assertThat(r.reason()).contains("cannot join the cluster at"));
        assertThat(Joiner.join(at(), fingerprint + "." + "cd".repeat(32), NodeId.of("n4"), List.of()))
                .isInstanceOfSatisfying(JoinOutcome.JoinRefused.class, r -> assertThat(r.reason()).contains("not this cluster's"));
        assertThat(Joiner.join(at(), "nonsense", NodeId.of("n4"), List.of()))
                .isInstanceOfSatisfying(JoinOutcome.JoinRefused.class, r -> assertThat(r.reason()).startsWith("malformed join token"));
    }
}
