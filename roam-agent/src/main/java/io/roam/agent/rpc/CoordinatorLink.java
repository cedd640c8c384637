package io.roam.agent.rpc;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.roam.proto.CoordinatorGrpc;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The agent's mTLS channel to the coordinator. The coordinator's address is re-read when the channel fails, so a
 * coordinator restarted on another port is found again without restarting the agent.
 */
public final class CoordinatorLink implements AutoCloseable {
    private final Supplier<Optional<String>> address;
    private final Identity identity;
    private ManagedChannel channel;
    private String channelAddress;

    public CoordinatorLink(Supplier<Optional<String>> address, Identity identity) {
        this.address = address;
        this.identity = identity;
    }

    /** A blocking stub with the given deadline; throws UNAVAILABLE when no coordinator address is known. */
    public synchronized CoordinatorGrpc.CoordinatorBlockingStub stub(Duration deadline) {
        String addr = address.get().orElseThrow(() -> Status.UNAVAILABLE
                .withDescription("roam's coordinator is not running (no coordinator address): run 'roam up'").asRuntimeException());
        if (channel == null || !addr.equals(channelAddress) || channel.isShutdown()) {
            if (channel != null) channel.shutdownNow();
            channel = Tls.channel(addr, identity);
            channelAddress = addr;
        }
        return CoordinatorGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The one-line message for a failed call, phrased for users. */
    public static String describe(StatusRuntimeException e) {
        Status s = e.getStatus();
        return switch (s.getCode()) {
            case UNAVAILABLE -> s.getDescription() != null && s.getDescription().contains("roam up")
                    ? s.getDescription() : "roam's coordinator is not reachable: run 'roam up' (" + s.getDescription() + ")";
            case DEADLINE_EXCEEDED -> "roam's coordinator did not answer in time";
            default -> s.getDescription() != null ? s.getDescription() : s.getCode().toString().toLowerCase();
        };
    }

    @Override
    public synchronized void close() {
        if (channel != null) channel.shutdownNow();
    }
}
