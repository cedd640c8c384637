package io.roam.agent.membership;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.roam.core.NodeId;
import io.roam.proto.AttachEvent;
import io.roam.proto.AttachRequest;
import io.roam.proto.MembershipGrpc;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's Membership.Attach stream open while the agent lives (once registered), on a connection of its
 * own: the coordinator counts the node up while it is open and down the moment it breaks. A stream silent for
 * {@link #SILENCE} (the coordinator sends every 2 s) is dropped and opened again.
 */
public final class Attachment implements AutoCloseable {
    static final Duration SILENCE = Duration.ofSeconds(7);
    static final Duration RETRY = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(Attachment.class);

    private final NodeId node;
    private final Supplier<Optional<String>> coordinator;
    private final Identity identity;
    private final BooleanSupplier registered;
    private final Thread loop;
    private volatile boolean closed;
    private volatile boolean attached;

    public Attachment(NodeId node, Supplier<Optional<String>> coordinator, Identity identity, BooleanSupplier registered) {
        this.node = node;
        this.coordinator = coordinator;
        this.identity = identity;
        this.registered = registered;
        this.loop = Thread.ofVirtual().name("attach-" + node.value()).start(this::run);
    }

    /** Whether the stream is open now. */
    public boolean attached() { return attached; }

    private void run() {
        while (!closed) {
            Optional<String> addr = registered.getAsBoolean() ? coordinator.get() : Optional.empty();
            if (addr.isPresent()) attachOnce(addr.get());
            try {
                Thread.sleep(addr.isPresent() ? RETRY.toMillis() : 300);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void attachOnce(String addr) {
        ManagedChannel channel = Tls.channel(addr, identity);
        var ended = new CountDownLatch(1);
        var lastHeard = new long[] {System.nanoTime()};
        try {
            MembershipGrpc.newStub(channel).attach(AttachRequest.newBuilder().setNode(node.value()).build(), new StreamObserver<>() {
                @Override public void onNext(AttachEvent e) {
                    synchronized (lastHeard) {
                        lastHeard[0] = System.nanoTime();
                    }
                    if (!attached) LOG.info("attached to the coordinator at {}", addr);
                    attached = true;
                }

                @Override public void onError(Throwable t) {
                    if (attached) LOG.warn("attachment to the coordinator broke: {}", t.toString());
                    else LOG.debug("cannot attach: {}", t.toString());
                    ended.countDown();
                }

                @Override public void onCompleted() { ended.countDown(); }
            });
            while (!closed && !ended.await(1, TimeUnit.SECONDS)) {
                long silent;
                synchronized (lastHeard) {
                    silent = System.nanoTime() - lastHeard[0];
                }
                if (silent > SILENCE.toNanos()) {
                    LOG.warn("the coordinator at {} has been silent for {} s: attaching again", addr, SILENCE.toSeconds());
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            attached = false;
            channel.shutdownNow();
        }
    }

    @Override public void close() {
        closed = true;
        loop.interrupt();
    }
}
