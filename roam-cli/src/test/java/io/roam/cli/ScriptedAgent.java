package io.roam.cli;

import io.roam.proto.Done;
import io.roam.proto.LocalReply;
import io.roam.proto.LocalRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real unix-socket server standing in for the agent in tests: it reads each connection's LocalRequest, records it,
 * and lets a script write the replies, exactly as the agent's wire protocol says.
 */
public final class ScriptedAgent implements AutoCloseable {

    /** What the test tells the agent to answer. */
    @FunctionalInterface
    public interface Script {
        void answer(LocalRequest request, Replies replies) throws IOException, InterruptedException;
    }

    /** The replies of one connection. */
    public static final class Replies {
        private final OutputStream out;

        Replies(OutputStream out) { this.out = out; }

        public Replies send(LocalReply reply) throws IOException {
            reply.writeDelimitedTo(out);
            out.flush();
            return this;
        }

        public Replies out(String text) throws IOException {
            return send(LocalReply.newBuilder().setOut(com.google.protobuf.ByteString.copyFromUtf8(text)).build());
        }

        public Replies err(String text) throws IOException {
            return send(LocalReply.newBuilder().setErr(com.google.protobuf.ByteString.copyFromUtf8(text)).build());
        }

        public Replies progress(String line) throws IOException {
            return send(LocalReply.newBuilder().setProgress(line).build());
        }

        public void done(Done done) throws IOException { send(LocalReply.newBuilder().setDone(done).build()); }

        public void done(Done.Builder done) throws IOException { done(done.build()); }
    }

    private final ServerSocketChannel server;
    private final Path socket;
    private final Script script;
    private final BlockingQueue<LocalRequest> requests = new LinkedBlockingQueue<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private ScriptedAgent(Path socket, Script script) throws IOException {
        this.socket = socket;
        this.script = script;
        Files.deleteIfExists(socket);
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        this.acceptor = Thread.ofVirtual().name("scripted-agent").start(this::acceptLoop);
    }

    public static ScriptedAgent start(Path socket, Script script) {
        try {
            return new ScriptedAgent(socket, script);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next request the agent received, waiting at most 5 s. */
    public LocalRequest nextRequest() throws InterruptedException {
        LocalRequest r = requests.poll(5, TimeUnit.SECONDS);
        if (r == null) throw new AssertionError("the agent received no request within 5 s");
        return r;
    }

    public List<Throwable> failures() { return failures; }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel ch = server.accept();
                Thread.ofVirtual().start(() -> serve(ch));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            LocalRequest request = LocalRequest.parseDelimitedFrom(Channels.newInputStream(ch));
            if (request == null) return;
            requests.add(request);
            script.answer(request, new Replies(Channels.newOutputStream(ch)));
        } catch (IOException e) {
            // the client went away: some tests do that on purpose
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | AssertionError e) {
            failures.add(e);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        acceptor.join(5000);
        Files.deleteIfExists(socket);
    }
}
