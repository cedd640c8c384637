package io.roam.agent.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.roam.proto.CoordinatorGrpc;
import io.roam.proto.ListNodesReply;
import io.roam.proto.ListNodesRequest;
import io.roam.proto.NodeInfo;
import io.roam.rpc.ClusterCa;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With several coordinator addresses, the link moves past one that does not answer (a standby, a dead leader). */
class CoordinatorLinkTest {
    @TempDir Path dir;

    @Test
    void aCallThatFindsNoCoordinatorMovesTheLinkToTheNextAddress() throws Exception {
        ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("ca"));
        Server live = Tls.startServer("127.0.0.1:0", Identity.loadOrIssue(ca, dir.resolve("ids"), "coordinator"),
                new CoordinatorGrpc.CoordinatorImplBase() {
                    @Override public void listNodes(ListNodesRequest r, StreamObserver<ListNodesReply> out) {
                        out.onNext(ListNodesReply.newBuilder().addNodes(NodeInfo.newBuilder().setId("n1")).build());
                        out.onCompleted();
                    }
                });
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String standby = "127.0.0.1:" + closedPort, leader = "127.0.0.1:" + live.getPort();
        try (CoordinatorLink link = new CoordinatorLink(() -> Optional.of(standby + ", " + leader), Identity.loadOrIssue(ca, dir.resolve("ids"), "agent-n1"))) {
            assertThatThrownBy(() -> link.stub(Duration.ofSeconds(10)).listNodes(ListNodesRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            assertThat(link.stub(Duration.ofSeconds(10)).listNodes(ListNodesRequest.getDefaultInstance()).getNodes(0).getId()).isEqualTo("n1");
            assertThat(link.current()).contains(leader);
            // a refusal that is not UNAVAILABLE does not move it
            assertThatThrownBy(() -> link.stub(Duration.ofSeconds(10)).getJob(io.roam.proto.JobRef.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
            assertThat(link.current()).contains(leader);
        } finally {
            live.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(CoordinatorLink.split(" a:1, ,b:2 ")).isEqualTo(List.of("a:1", "b:2"));
    }
}
