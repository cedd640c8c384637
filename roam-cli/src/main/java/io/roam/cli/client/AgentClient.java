package io.roam.cli.client;

import io.roam.cli.client.CallOutcome.Answered;
import io.roam.cli.client.CallOutcome.Disconnected;
import io.roam.cli.client.CallOutcome.NotRunning;
import io.roam.cli.client.CallOutcome.TimedOut;
import io.roam.cli.client.CallOutcome.Unreachable;
import io.roam.proto.LocalReply;
import io.roam.proto.LocalRequest;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * One call to the local agent over its unix socket: one length-delimited {@link LocalRequest} out, then
 * {@link LocalReply} messages in until Done. The agent identifies the caller by the socket's peer credentials, so
 * nothing here says who is calling.
 */
public final class AgentClient {
    private final Path socket;

    public AgentClient(Path socket) { this.socket = socket; }

    public Path socket() { return socket; }

    /**
     * Sends {@code request} and streams the replies before Done into {@code sink}.
     *
     * @param idleTimeout give up when the agent sends nothing for this long; empty for calls that may legitimately
     *                    stay silent forever (roam logs -f, roam wait without --timeout)
     */
    public CallOutcome call(LocalRequest request, ReplySink sink, Optional<Duration> idleTimeout) {
        if (!Files.exists(socket)) return new NotRunning(socket);
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a unix socket", e);
        }
        try (channel) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                return refused(e);
            }
            IdleWatchdog watchdog = idleTimeout.map(t -> IdleWatchdog.start(channel, t)).orElse(null);
            try {
                return exchange(channel, request, sink, watchdog);
            } catch (IOException e) {
                if (watchdog != null && watchdog.fired()) return new TimedOut(idleTimeout.orElseThrow());
                return new Disconnected(reason(e));
            } finally {
                if (watchdog != null) watchdog.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the agent socket " + socket, e);
        }
    }

    private static CallOutcome exchange(SocketChannel channel, LocalRequest request, ReplySink sink, IdleWatchdog watchdog)
            throws IOException {
        OutputStream out = Channels.newOutputStream(channel);
        request.writeDelimitedTo(out);
        out.flush();
        InputStream in = new BufferedInputStream(Channels.newInputStream(channel), 64 * 1024);
        while (true) {
            LocalReply reply = LocalReply.parseDelimitedFrom(in);
            if (reply == null) return new Disconnected("the agent closed the connection before it answered");
            if (watchdog != null) watchdog.touch();
            switch (reply.getMsgCase()) {
                case OUT -> sink.out(reply.getOut());
                case ERR -> sink.err(reply.getErr());
                case PROGRESS -> sink.progress(reply.getProgress());
                case EVENT -> sink.event(reply.getEvent());
                case DONE -> { return new Answered(reply.getDone()); }
                case MSG_NOT_SET -> { } // a newer agent's message kind: nothing to show
            }
        }
    }

    private CallOutcome refused(IOException e) {
        String why = reason(e);
        if (why.contains("Connection refused") || why.contains("No such file")) return new NotRunning(socket);
        return new Unreachable(socket, why);
    }

    private static String reason(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
