package io.roam.coordinator.membership;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.roam.core.NodeId;
import io.roam.proto.AttachEvent;
import io.roam.proto.AttachRequest;
import io.roam.proto.MembershipGrpc;
import io.roam.rpc.CallerIds;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership.Attach on the mutual-TLS endpoint: the node is up while its stream is open and down the moment it breaks
 * (an agent killed hard resets its TCP connection at once). Only the agent's own certificate may attach its node.
 */
public final class AttachService extends MembershipGrpc.MembershipImplBase {
    public static final Duration HEARTBEAT = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(AttachService.class);

    private final Membership membership;
    private final LiveNodes live;
    private final String clusterId;
    /** The newest Attach stream of each node: only its end makes the node down. */
    private final java.util.concurrent.ConcurrentHashMap<NodeId, Object> current = new java.util.concurrent.ConcurrentHashMap<>();

    public AttachService(Membership membership, LiveNodes live, String clusterId) {
        this.membership = membership;
        this.live = live;
        this.clusterId = clusterId;
    }

    @Override public void attach(AttachRequest req, StreamObserver<AttachEvent> out) {
        NodeId node;
        try {
            node = NodeId.of(req.getNode());
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("invalid node name: " + e.getMessage()).asRuntimeException());
            return;
        }
        String peer = CallerIds.peerName();
        if (!peer.equals("agent-" + node.value())) {
            out.onError(Status.PERMISSION_DENIED.withDescription("certificate '" + peer + "' cannot attach node " + node).asRuntimeException());
            return;
        }
        if (!membership.attached(node)) {
            out.onError(Status.FAILED_PRECONDITION.withDescription("node " + node + " is not registered: call RegisterNode first").asRuntimeException());
            return;
        }
        var me = new Object();
        current.put(node, me);
        live.up(node);
        var ended = new CountDownLatch(1);
        var once = new AtomicBoolean();
        Runnable detach = () -> {
            if (once.compareAndSet(false, true)) {
                ended.countDown();
                // A stream that broke in a network cut may end only after the agent attached again: that one stays.
                if (current.remove(node, me)) {
                    membership.detached(node);
                    live.down(node);
                } else {
                    membership.superseded(node);
                    LOG.info("a stale attachment of {} ended; its newer one stays", node);
                }
            }
        };
        var call = (ServerCallStreamObserver<AttachEvent>) out;
        // not call.setOnCancelHandler: the call's callbacks wait for this method, the context's cancellation does not
        Context.current().addListener(c -> ended.countDown(), Runnable::run);
        try {
            while (!Context.current().isCancelled() && !call.isCancelled()) {
                synchronized (call) {
                    call.onNext(AttachEvent.newBuilder().setSentMs(System.currentTimeMillis()).setClusterId(clusterId).build());
                }
                if (ended.await(HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS)) break;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.debug("attachment of {} ended: {}", node, e.toString());
        } finally {
            detach.run();
        }
    }
}
