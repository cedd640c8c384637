package io.roam.agent.membership;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.roam.core.NodeId;
import io.roam.proto.JoinReply;
import io.roam.proto.JoinRequest;
import io.roam.proto.MembershipGrpc;
import io.roam.rpc.HostPort;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Joins a cluster with a token: Membership.Join over TLS that pins the cluster CA named in the token. */
public final class Joiner {
    static final Duration DEADLINE = Duration.ofSeconds(15);

    private Joiner() {}

    /**
     * @param joinAddress the coordinator's join endpoint, HOST:PORT
     * @param token       {@code <ca-sha256-hex>.<secret-hex>}
     * @param addresses   this agent's addresses (its certificate's SANs)
     */
    public static JoinOutcome join(String joinAddress, String token, NodeId node, List<String> addresses) {
        int dot = token.strip().indexOf('.');
        String fingerprint = dot < 0 ? "" : token.strip().substring(0, dot);
        String secret = dot < 0 ? "" : token.strip().substring(dot + 1);
        if (!fingerprint.matches("[0-9a-f]{64}") || !secret.matches("[0-9a-f]{64}")) {
            return new JoinOutcome.JoinRefused("malformed join token: copy the whole --token value from the coordinator's"
                    + " 'roam agent --join' line");
        }
        HostPort hp = HostPort.parse(joinAddress);
        var credentials = TlsChannelCredentials.newBuilder().trustManager(new PinnedCaTrust(fingerprint)).build();
        ManagedChannel channel = NettyChannelBuilder.forAddress(hp.host(), hp.port(), credentials).build();
        try {
            JoinReply reply = MembershipGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .join(JoinRequest.newBuilder().setSecret(secret).setNode(node.value()).addAllAddresses(addresses).build());
            return new JoinOutcome.Joined(JoinedCredentials.from(reply));
        } catch (StatusRuntimeException e) {
            String why = e.getStatus().getDescription() != null ? e.getStatus().getDescription() : e.getStatus().getCode().toString();
            if (e.getCause() != null && e.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE) why += " (" + e.getCause().getMessage() + ")";
            return new JoinOutcome.JoinRefused("cannot join the cluster at " + joinAddress + ": " + why);
        } finally {
            channel.shutdownNow();
        }
    }
}
