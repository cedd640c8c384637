package io.roam.cli.daemon;

import com.google.protobuf.ByteString;
import io.roam.cli.client.AgentClient;
import io.roam.cli.client.CallOutcome;
import io.roam.cli.client.ReplySink;
import io.roam.core.RoamHome;
import io.roam.proto.Done;
import io.roam.proto.JobState;
import io.roam.proto.LocalRequest;
import io.roam.proto.PingCmd;
import io.roam.proto.PsCmd;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** Whether a daemon is there and serving: the coordinator accepts TCP at coordinator.addr; the agent answers a ping. */
final class Readiness {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    static final Duration PING_TIMEOUT = Duration.ofSeconds(3);
    private static final ReplySink IGNORE = new ReplySink() {
        @Override public void out(ByteString bytes) {}
        @Override public void err(ByteString bytes) {}
        @Override public void progress(String line) {}
    };

    private Readiness() {}

    /** The coordinator's address when it accepts connections there. */
    static Optional<String> coordinator(RoamHome home) {
        String addr;
        try {
            addr = Files.readString(home.coordinatorAddressFile()).strip();
        } catch (IOException e) {
            return Optional.empty();
        }
        return parse(addr).filter(Readiness::accepts).map(a -> addr);
    }

    /** "" when the agent answers a ping with exit code 0 (the probe's detail is empty). */
    static Optional<String> agent(RoamHome home) { return agent(home.agentSocket()); }

    /** Like {@link #agent(RoamHome)}, for the agent serving at {@code socket}. */
    static Optional<String> agent(java.nio.file.Path socket) {
        var ping = LocalRequest.newBuilder().setPing(PingCmd.getDefaultInstance()).build();
        return answer(socket, ping).filter(d -> d.getExitCode() == 0 && d.getError().isEmpty()).map(d -> "");
    }

    /** How many jobs run on this agent, when it answers. */
    static OptionalInt runningJobs(RoamHome home) { return runningJobs(home.agentSocket()); }

    /** Like {@link #runningJobs(RoamHome)}, for the agent serving at {@code socket}. */
    static OptionalInt runningJobs(java.nio.file.Path socket) {
        var ps = LocalRequest.newBuilder().setPs(PsCmd.getDefaultInstance()).build();
        return answer(socket, ps).filter(d -> d.getError().isEmpty())
                .map(d -> OptionalInt.of((int) d.getJobsList().stream().filter(j -> j.getState() == JobState.RUNNING).count()))
                .orElse(OptionalInt.empty());
    }

    private static Optional<Done> answer(java.nio.file.Path socket, LocalRequest request) {
        return switch (new AgentClient(socket).call(request, IGNORE, Optional.of(PING_TIMEOUT))) {
            case CallOutcome.Answered(Done done) -> Optional.of(done);
            case CallOutcome.NotRunning n -> Optional.empty();
            case CallOutcome.Unreachable u -> Optional.empty();
            case CallOutcome.Disconnected d -> Optional.empty();
            case CallOutcome.TimedOut t -> Optional.empty();
        };
    }

    /** host:port, with [v6]:port. */
    static Optional<InetSocketAddress> parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) return Optional.empty();
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        try {
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            if (port < 1 || port > 65535) return Optional.empty();
            return Optional.of(InetSocketAddress.createUnresolved(host, port));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean accepts(InetSocketAddress address) {
        try (var s = new Socket()) {
            s.connect(new InetSocketAddress(address.getHostString(), address.getPort()), (int) CONNECT_TIMEOUT.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
