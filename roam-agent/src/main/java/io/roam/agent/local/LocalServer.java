package io.roam.agent.local;

import io.roam.proto.Caller;
import io.roam.proto.Done;
import io.roam.proto.LocalReply;
import io.roam.proto.LocalRequest;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Semaphore;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's unix socket for the CLI. Each connection carries one request; the caller is whoever the kernel says is
 * at the other end (SO_PEERCRED), never what the request claims.
 */
public final class LocalServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalServer.class);
    private static final int MAX_REQUEST_BYTES = 4 << 20;
    private static final int MAX_CONNECTIONS = 512;
    /** A client that sends no complete request within this time is cut off (an idle socket must not hold a slot). */
    static final java.time.Duration REQUEST_TIMEOUT = java.time.Duration.ofSeconds(5);

    /** Serves one request; writes replies and must end with a Done. */
    public interface Handler {
        void handle(Caller caller, LocalRequest request, ReplyWriter out) throws IOException;
    }

    /** Serves a request whose client keeps sending after it (roam exec: LocalInput messages on {@code in}). */
    public interface StreamingHandler {
        void handle(Caller caller, LocalRequest request, InputStream in, ReplyWriter out) throws IOException;
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Handler handler;
    private final StreamingHandler exec;
    private final Users users = new Users();
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Thread acceptor;

    public LocalServer(Path socket, Handler handler) { this(socket, handler, null); }

    /** {@code exec}: serves ExecCmd requests (null: {@code handler} answers them too). */
    public LocalServer(Path socket, Handler handler, StreamingHandler exec) {
        this.socket = socket;
        this.handler = handler;
        this.exec = exec;
        try {
            Files.createDirectories(socket.getParent());
            Files.deleteIfExists(socket);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + socket, e);
        }
        acceptor = Thread.ofVirtual().name("local-accept").start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel ch = server.accept();
                if (!slots.tryAcquire()) {
                    ch.close();
                    continue;
                }
                Thread.ofVirtual().name("local-call").start(() -> {
                    try (ch) {
                        serve(ch);
                    } catch (IOException e) {
                        log.debug("local call ended: {}", e.toString());
                    } finally {
                        slots.release();
                    }
                });
            } catch (IOException e) {
                if (server.isOpen()) log.warn("accept failed: {}", e.toString());
            }
        }
    }

    private void serve(SocketChannel ch) throws IOException {
        UnixDomainPrincipal peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
        InputStream in = Channels.newInputStream(ch);
        var out = new ReplyWriter(new BufferedOutputStream(Channels.newOutputStream(ch)));
        var caller = users.caller(peer.user().getName(), peer.group().getName());
        if (caller.isEmpty()) {
            out.done(Done.newBuilder().setExitCode(1).setError("unknown user " + peer.user().getName()).build());
            return;
        }
        LocalRequest request;
        var read = new java.util.concurrent.CountDownLatch(1);
        Thread.ofVirtual().name("local-read-deadline").start(() -> {
            try {
                if (!read.await(REQUEST_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) ch.close();
            } catch (InterruptedException | IOException e) {
                // the call ends anyway
            }
        });
        try {
            int first = in.read();
            if (first < 0) return;
            int size = readVarint(first, in);
            if (size > MAX_REQUEST_BYTES) {
                out.done(Done.newBuilder().setExitCode(2).setError("request too large (" + size + " bytes; at most "
                        + (MAX_REQUEST_BYTES >> 20) + " MiB): pass large data through files").build());
                return;
            }
            byte[] body = in.readNBytes(size);
            if (body.length < size) {
                out.done(Done.newBuilder().setExitCode(2).setError("truncated request (" + body.length + " of " + size
                        + " bytes): use the roam command of this version").build());
                return;
            }
            request = LocalRequest.parseFrom(body);
        } catch (IOException | RuntimeException e) {
            if (!ch.isOpen()) {
                log.debug("local call cut off: no request within {} s", REQUEST_TIMEOUT.toSeconds());
                return;
            }
            out.done(Done.newBuilder().setExitCode(2).setError("malformed request (" + firstLine(e.getMessage())
                    + "): use the roam command of this version").build());
            return;
        } finally {
            read.countDown();
        }
        if (request.hasExec() && exec != null) exec.handle(caller.get(), request, in, out);
        else handler.handle(caller.get(), request, out);
    }

    private static String firstLine(String s) {
        if (s == null || s.isBlank()) return "unreadable";
        String line = s.strip().lines().findFirst().orElse("");
        int dot = line.indexOf(". ");
        return dot > 0 ? line.substring(0, dot) : line;
    }

    private static int readVarint(int first, InputStream in) throws IOException {
        int result = first & 0x7f;
        int shift = 7;
        int b = first;
        while ((b & 0x80) != 0) {
            b = in.read();
            if (b < 0 || shift > 28) throw new IOException("bad length prefix");
            result |= (b & 0x7f) << shift;
            shift += 7;
        }
        return result;
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.warn("closing {}: {}", socket, e.toString());
        }
        acceptor.interrupt();
    }

    /** Writes length-delimited replies; thread-safe. */
    public static final class ReplyWriter {
        private final OutputStream out;

        ReplyWriter(OutputStream out) { this.out = out; }

        public synchronized void send(LocalReply reply) throws IOException {
            reply.writeDelimitedTo(out);
            out.flush();
        }

        public void done(Done done) throws IOException { send(LocalReply.newBuilder().setDone(done).build()); }

        public void progress(String line) throws IOException { send(LocalReply.newBuilder().setProgress(line).build()); }
    }
}
