package io.roam.coordinator.membership;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.roam.core.NodeId;
import io.roam.proto.JoinReply;
import io.roam.proto.JoinRequest;
import io.roam.proto.MembershipGrpc;
import io.roam.rpc.ClusterCa;
import io.roam.rpc.Identity;
import com.google.protobuf.ByteString;
import java.security.cert.CertificateEncodingException;
import java.util.ArrayList;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Membership.Join on the join endpoint: a token's secret buys an agent identity issued by the cluster CA. */
final class JoinService extends MembershipGrpc.MembershipImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(JoinService.class);

    private final ClusterCa ca;
    private final JoinToken token;
    private final Supplier<String> coordinator;

    JoinService(ClusterCa ca, JoinToken token, Supplier<String> coordinator) {
        this.ca = ca;
        this.token = token;
        this.coordinator = coordinator;
    }

    @Override public void join(JoinRequest req, StreamObserver<JoinReply> out) {
        if (!token.admits(req.getSecret())) {
            LOG.warn("refused a join for node {}: wrong token", JoinService.printable(req.getNode()));
            out.onError(Status.PERMISSION_DENIED.withDescription("the join token is not this cluster's: copy it again from the"
                    + " coordinator's 'roam agent --join' line (or " + ca.dir().resolve(JoinToken.FILE) + ")").asRuntimeException());
            return;
        }
        NodeId node;
        try {
            node = NodeId.of(req.getNode());
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("invalid node name: " + e.getMessage()).asRuntimeException());
            return;
        }
        var sans = new ArrayList<String>();
        for (String a : req.getAddressesList()) {
            if (a.matches("[0-9A-Za-z.:-]{1,253}")) sans.add(a);
        }
        Identity id = ca.issue("agent-" + node.value(), sans);
        try {
            out.onNext(JoinReply.newBuilder().setKeyPkcs8(ByteString.copyFrom(id.key().getEncoded()))
                    .setCertDer(ByteString.copyFrom(id.cert().getEncoded())).setCaDer(ByteString.copyFrom(id.ca().getEncoded()))
                    .setClusterId(ca.clusterId()).setClusterSecret(ByteString.copyFrom(ca.secret()))
                    .setCoordinator(coordinator.get()).build());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the certificate issued to " + node, e);
        }
        out.onCompleted();
        LOG.info("node {} joined: issued its certificate", node);
    }

    static String printable(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 63 ? p.substring(0, 60) + "..." : p;
    }
}
