package io.roam.agent.rpc;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Mutual-TLS channels from this agent to its peers, one per address, kept open between calls: a new channel costs a
 * TCP connection and a TLS handshake (tens of ms on a busy 2-core machine), which a post-copy migration pays inside
 * the job's freeze. A channel that was shut down is replaced on the next {@link #get}; one in TRANSIENT_FAILURE
 * reconnects at once rather than after gRPC's backoff (the caller has reason to believe the peer is there); the
 * caller {@link #discard}s a channel after a failed call, so the next one starts on a fresh connection.
 */
public final class PeerChannels implements AutoCloseable {
    private final Function<String, ManagedChannel> open;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public PeerChannels(Identity identity) { this(a -> Tls.channel(a, identity)); }

    /** With {@code open} making the channel to an address. */
    public PeerChannels(Function<String, ManagedChannel> open) { this.open = open; }

    /** The channel to {@code address}, made now when there is none or the cached one was shut down. */
    public ManagedChannel get(String address) {
        if (closed) throw new IllegalStateException("the agent's peer channels are closed");
        ManagedChannel ch = channels.compute(address, (a, old) -> old == null || old.isShutdown() ? open.apply(a) : old);
        if (ch.getState(false) == ConnectivityState.TRANSIENT_FAILURE) ch.resetConnectBackoff();
        if (closed) {   // close() ran meanwhile: leave nothing open behind it
            ch.shutdownNow();
            throw new IllegalStateException("the agent's peer channels are closed");
        }
        return ch;
    }

    /**
     * After a failed call on {@code ch}: forget it (unless another channel replaced it already) and shut it down
     * gracefully, so that calls still running on it (another transfer to the same peer) end on their own.
     */
    public void discard(String address, ManagedChannel ch) {
        channels.remove(address, ch);
        ch.shutdown();
    }

    /** How many channels are open (for tests and logs). */
    public int size() { return channels.size(); }

    /** At agent stop: shuts every channel down and waits briefly for them to end. */
    @Override
    public void close() {
        closed = true;
        var all = channels.values().toArray(ManagedChannel[]::new);
        channels.clear();
        for (ManagedChannel ch : all) ch.shutdownNow();
        for (ManagedChannel ch : all) {
            try {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
