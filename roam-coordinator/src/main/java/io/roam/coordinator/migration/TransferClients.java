package io.roam.coordinator.migration;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.roam.core.NodeId;
import io.roam.proto.ProbeReply;
import io.roam.proto.ProbeRequest;
import io.roam.proto.SendImageRequest;
import io.roam.proto.TransferGrpc;
import io.roam.proto.TransferProgress;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/** Coordinator → agent calls of the Transfer service (one mutual-TLS channel per agent address). */
final class TransferClients implements AutoCloseable {
    /** The deadline of a Send: generous at the slowest rate a transfer still makes progress at (stalls end it sooner). */
    private static final Duration SEND_BASE = Duration.ofMinutes(5);
    private static final double SEND_MIN_BYTES_PER_S = 1e6;
    private static final Duration PROBE_DEADLINE = Duration.ofSeconds(30);

    private final Identity identity;
    private final Function<NodeId, Optional<String>> addressOf;
    private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    TransferClients(Identity identity, Function<NodeId, Optional<String>> addressOf) {
        this.identity = identity;
        this.addressOf = addressOf;
    }

    Optional<String> address(NodeId node) { return addressOf.apply(node); }

    /**
     * Asks {@code source} to stream an image of {@code bytes} to {@code target}; progress lines go to {@code progress}.
     * Returns the last message. The deadline grows with the image (5 min + 1 s per MB), so that no size hits it: the
     * source itself gives up on a stalled target within seconds.
     */
    TransferProgress send(NodeId source, SendImageRequest req, long bytes, Consumer<TransferProgress> progress) {
        Optional<ManagedChannel> ch = channel(source);
        if (ch.isEmpty()) return failed("node " + source + " has never registered");
        try {
            Iterator<TransferProgress> it = TransferGrpc.newBlockingStub(ch.get())
                    .withDeadlineAfter(SEND_BASE.toMillis() + (long) (bytes / SEND_MIN_BYTES_PER_S * 1000), TimeUnit.MILLISECONDS).send(req);
            TransferProgress last = null;
            while (it.hasNext()) {
                last = it.next();
                if (last.getDone()) return last;
                progress.accept(last);
            }
            return failed("the agent on " + source + " ended the transfer without a result");
        } catch (StatusRuntimeException e) {
            return failed("the agent on " + source + " failed during the transfer (" + e.getStatus().getCode() + ")");
        }
    }

    /** The facts an agent holds about a job and an image; empty when the agent does not answer. */
    Optional<ProbeReply> probe(NodeId node, String job, String checkpoint) {
        Optional<ManagedChannel> ch = channel(node);
        if (ch.isEmpty()) return Optional.empty();
        try {
            return Optional.of(TransferGrpc.newBlockingStub(ch.get()).withDeadlineAfter(PROBE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .probe(ProbeRequest.newBuilder().setJob(job).setCheckpoint(checkpoint).build()));
        } catch (StatusRuntimeException e) {
            return Optional.empty();
        }
    }

    /** A call of the agent's Live service (post-copy) with a deadline; transport failures become Unreachable. */
    <T> io.roam.coordinator.agents.AgentReply<T> live(NodeId node, Duration deadline,
                                                       java.util.function.Function<io.roam.proto.LiveGrpc.LiveBlockingStub, T> call) {
        Optional<ManagedChannel> ch = channel(node);
        if (ch.isEmpty()) return new io.roam.coordinator.agents.AgentReply.Unreachable<>("node " + node + " has never registered");
        try {
            return new io.roam.coordinator.agents.AgentReply.Answered<>(call.apply(io.roam.proto.LiveGrpc.newBlockingStub(ch.get())
                    .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)));
        } catch (StatusRuntimeException e) {
            return new io.roam.coordinator.agents.AgentReply.Unreachable<>("the agent on " + node + " did not answer ("
                    + e.getStatus().getCode() + ")");
        }
    }

    private Optional<ManagedChannel> channel(NodeId node) {
        return addressOf.apply(node).map(a -> io.roam.coordinator.agents.ChannelBackoff.reconnectingNow(channels.computeIfAbsent(a, x -> Tls.channel(x, identity))));
    }

    private static TransferProgress failed(String why) {
        return TransferProgress.newBuilder().setDone(true).setOk(false).setError(why).build();
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }
}
