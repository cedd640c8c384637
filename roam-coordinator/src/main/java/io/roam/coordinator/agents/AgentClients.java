package io.roam.coordinator.agents;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.roam.core.NodeId;
import io.roam.proto.AgentGrpc;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Coordinator → agent calls: one mutual-TLS channel per agent address, a deadline on every call. */
public final class AgentClients implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentClients.class);
    private final Identity identity;
    private final Function<NodeId, Optional<String>> addressOf;
    private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    /** {@code addressOf}: the HOST:PORT of a node's agent, from its registration. */
    public AgentClients(Identity identity, Function<NodeId, Optional<String>> addressOf) {
        this.identity = identity;
        this.addressOf = addressOf;
    }

    /** Calls the agent of {@code node} with a deadline; transport failures and agent errors become Unreachable. */
    public <T> AgentReply<T> call(NodeId node, Duration deadline, Function<AgentGrpc.AgentBlockingStub, T> call) {
        Optional<String> address = addressOf.apply(node);
        if (address.isEmpty()) return new AgentReply.Unreachable<>("node " + node + " has never registered: start its agent");
        ManagedChannel ch = ChannelBackoff.reconnectingNow(channels.computeIfAbsent(address.get(), a -> Tls.channel(a, identity)));
        try {
            return new AgentReply.Answered<>(call.apply(AgentGrpc.newBlockingStub(ch).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)));
        } catch (StatusRuntimeException e) {
            String what = e.getStatus().getDescription() == null ? e.getStatus().getCode().toString()
                    : e.getStatus().getCode() + ": " + e.getStatus().getDescription();
            LOG.warn("agent on {} ({}) failed: {}", node, address.get(), what);
            return new AgentReply.Unreachable<>("the agent on " + node + " did not answer (" + what.lines().findFirst().orElse("")
                    + "): check that it runs");
        }
    }

    /**
     * Like {@link #call}, tried up to {@code tries} times, {@code pause} apart, while the agent does not answer (it may
     * be starting, or its link coming back): the first answer, or the last reason there was none (also when interrupted).
     */
    public <T> AgentReply<T> callUntilAnswered(NodeId node, Duration deadline, int tries, Duration pause,
                                               Function<AgentGrpc.AgentBlockingStub, T> call) {
        AgentReply<T> reply = call(node, deadline, call);
        for (int left = tries - 1; left > 0 && reply instanceof AgentReply.Unreachable<T>; left--) {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return reply;
            }
            reply = call(node, deadline, call);
        }
        return reply;
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel ch : channels.values()) {
            try {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        channels.clear();
    }
}
