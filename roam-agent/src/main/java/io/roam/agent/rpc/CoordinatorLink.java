package io.roam.agent.rpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.roam.proto.CoordinatorGrpc;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The agent's mTLS channel to the coordinator. The coordinator's address is re-read when the channel fails, so a
 * coordinator restarted on another port is found again without restarting the agent. The address may be a
 * comma-separated list (several coordinators, one leading): a call that ends UNAVAILABLE (a standby does not listen;
 * a dead leader neither) moves the link to the next address for the following calls.
 */
public final class CoordinatorLink implements AutoCloseable {
    private final Supplier<Optional<String>> address;
    private final Identity identity;
    private ManagedChannel channel;
    private Channel intercepted;
    private String channelAddress;
    private int next;   // index into the address list of the address to use

    public CoordinatorLink(Supplier<Optional<String>> address, Identity identity) {
        this.address = address;
        this.identity = identity;
    }

    /** A blocking stub with the given deadline; throws UNAVAILABLE when no coordinator address is known. */
    public synchronized CoordinatorGrpc.CoordinatorBlockingStub stub(Duration deadline) {
        List<String> addresses = address.get().map(CoordinatorLink::split).filter(l -> !l.isEmpty()).orElseThrow(() -> Status.UNAVAILABLE
                .withDescription("roam's coordinator is not running (no coordinator address): run 'roam up'").asRuntimeException());
        String addr = addresses.get(Math.floorMod(next, addresses.size()));
        if (channel == null || !addr.equals(channelAddress) || channel.isShutdown()) {
            if (channel != null) channel.shutdownNow();
            channel = Tls.channel(addr, identity);
            intercepted = ClientInterceptors.intercept(channel, new MoveOnWhenUnavailable(addr));
            channelAddress = addr;
        }
        return CoordinatorGrpc.newBlockingStub(intercepted).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The address calls go to now (for logs and tests); empty before the first call. */
    public synchronized Optional<String> current() { return Optional.ofNullable(channelAddress); }

    static List<String> split(String addresses) {
        return Arrays.stream(addresses.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private synchronized void unavailable(String addr) {
        if (addr.equals(channelAddress)) next++;
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

    /** Notices calls to {@code addr} that end UNAVAILABLE. */
    private final class MoveOnWhenUnavailable implements ClientInterceptor {
        private final String addr;

        MoveOnWhenUnavailable(String addr) { this.addr = addr; }

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            if (status.getCode() == Status.Code.UNAVAILABLE) unavailable(addr);
                            super.onClose(status, trailers);
                        }
                    }, headers);
                }
            };
        }
    }
}
