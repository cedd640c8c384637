package io.roam.agent.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A post-copy's page traffic carried by the two agents instead of criu's own TLS page server: each criu gets a
 * connected socket ({@code criu --ps-socket}), and the agents join the two over the bulk socket (mutual TLS with the
 * cluster's certificates, then {@link SealedFrames}; ALPN {@value BulkWire#PAGES_ALPN}). What criu's page-server
 * protocol carries goes through unchanged, both ways. This is how a user's job moves live: its criu dumps it as the
 * user, who must not hold the node's TLS key, and here no criu holds one.
 *
 * <p>Each criu's socket is a loopback TCP connection that its wrapper shell (still root, before it drops to the
 * user) opens to a listener of this agent and authenticates with a one-time token that only the wrapper's environment
 * carries ({@link Local}); any other connection to that listener is closed. The source agent holds the dump's socket
 * under the job's id until the target agent asks for it ({@link #serve}), once; the target agent connects and joins
 * its lazy-pages daemon's socket to it ({@link #fetch}). An end of stream on either side is passed on as a half-close,
 * a failure as a close of all three sockets: each criu then sees its peer gone, exactly as with a broken page-server
 * connection, and the migration's verdict follows from criu's exit codes as before, with one addition: the source's
 * criu exits 0 on a bare end of stream, so the source agent also checks that the target's daemon closed the transfer
 * itself ({@link Local#peerClosed}); a relay cut on the target's side (its agent gone) does not count as done.
 */
public final class PageRelay {
    private static final Logger log = LoggerFactory.getLogger(PageRelay.class);
    /** How long a criu's wrapper has to connect, and a source's dump socket waits for the target's connection. */
    static final Duration LOCAL_ACCEPT = Duration.ofMinutes(5);
    static final Duration CONNECT = Duration.ofSeconds(30);
    private static final int TOKEN_BYTES = 16;
    private static final int BUFFER = 256 << 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SSLContext ssl;
    private final Map<String, Local> served = new ConcurrentHashMap<>();

    PageRelay(SSLContext ssl) { this.ssl = ssl; }

    /**
     * A loopback listener that takes exactly one connection: the first that sends {@link #token()}. Its wrapper opens
     * it as fd 4 with {@code exec 4<>/dev/tcp/127.0.0.1/PORT} and writes the token first.
     */
    public static final class Local implements AutoCloseable {
        private final ServerSocket listener;
        private final String token;
        private final CompletableFuture<Socket> criu = new CompletableFuture<>();
        private final PageServerClose fromPeer = new PageServerClose();

        private Local(ServerSocket listener, String token) {
            this.listener = listener;
            this.token = token;
            Thread.ofVirtual().name("page-relay-local-" + listener.getLocalPort()).start(this::accept);
        }

        public int port() { return listener.getLocalPort(); }

        public String token() { return token; }

        /**
         * Source: whether what the target sent ended with its lazy-pages daemon's close command. False when the
         * relay was cut (the target's agent or node went away): criu's own page server exits 0 then too.
         */
        public boolean peerClosed() { return fromPeer.endsWithClose(); }

        private void accept() {
            byte[] expected = token.getBytes(StandardCharsets.US_ASCII);
            try (listener) {
                listener.setSoTimeout((int) LOCAL_ACCEPT.toMillis());
                while (!criu.isDone()) {
                    Socket s = listener.accept();
                    try {
                        s.setSoTimeout(5000);
                        byte[] got = s.getInputStream().readNBytes(expected.length);
                        if (MessageDigest.isEqual(got, expected)) {
                            s.setSoTimeout(0);
                            s.setTcpNoDelay(true);
                            if (!criu.complete(s)) s.close();
                            return;
                        }
                        log.warn("page relay: a connection to port {} without its token was closed", listener.getLocalPort());
                    } catch (IOException e) {
                        log.warn("page relay: a connection to port {} failed before its token: {}", listener.getLocalPort(), e.toString());
                    }
                    s.close();
                }
            } catch (IOException e) {
                criu.completeExceptionally(new IOException("criu did not connect to the page relay within "
                        + LOCAL_ACCEPT.toSeconds() + " s (" + e.getMessage() + ")", e));
            }
        }

        Socket socket(Duration timeout) throws IOException {
            try {
                return criu.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IOException("criu did not connect to the page relay within " + timeout.toSeconds() + " s");
            }
        }

        /** Stops listening and closes criu's socket, if it came: that criu sees its page-server connection gone. */
        @Override
        public void close() {
            criu.completeExceptionally(new IOException("the page relay was closed"));
            try {
                listener.close();
            } catch (IOException e) {
                log.debug("page relay listener close: {}", e.toString());
            }
            criu.thenAccept(PageRelay::closeQuietly);
        }
    }

    /** A new listener for one criu, on 127.0.0.1 of this agent's network namespace. */
    public Local open() throws IOException {
        var listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        byte[] t = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(t);
        return new Local(listener, HexFormat.of().formatHex(t));
    }

    /** Source: the pages of {@code job} are served by the criu that connects to {@code local}; one target may fetch them. */
    public void serve(String job, Local local) {
        Local old = served.put(job, local);
        if (old != null) old.close();
    }

    /** Source: no target will fetch {@code job}'s pages (the migration was given up): the dump's socket is closed. */
    public void cancel(String job) {
        Local l = served.remove(job);
        if (l != null) l.close();
    }

    /** Source, from {@link BulkServer}: a target agent's connection asking for a job's pages. */
    void serve(Socket raw, BulkWire.Sealed sealed, String peer) throws IOException {
        InputStream in = sealed.in();
        int n = in.read();
        if (n <= 0) throw new IOException("a page relay request without a job");
        String job = new String(in.readNBytes(n), StandardCharsets.UTF_8);
        Local local = served.remove(job);
        if (local == null) {
            log.warn("page relay: {} asked for the pages of job {}, which this node does not serve", peer, job);
            return;
        }
        try (local) {
            Socket criu = local.socket(LOCAL_ACCEPT);
            raw.setSoTimeout(0);   // the job may fault nothing for a while; criu's own protocol ends the stream
            raw.setKeepAlive(true);
            log.info("page relay: serving the pages of job {} to {}", job, peer);
            pump(criu, sealed, raw, "pages of job " + job + " to " + peer, local.fromPeer);
        }
    }

    /**
     * Target: connects to the source agent's bulk socket at {@code host:port} for {@code job}'s pages and joins it to
     * the lazy-pages daemon that connects to {@code local}. Returns at once; completes when the relay ends. A failure
     * closes {@code local}, so the daemon sees its page server gone.
     */
    public CompletableFuture<Void> fetch(String host, int port, String job, Local local) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name("page-relay-" + job).start(() -> {
            try (local; Socket raw = new Socket()) {
                SSLSocket tls = BulkWire.connect(raw, ssl, host, port, BulkWire.PAGES_ALPN, CONNECT);
                BulkWire.Sealed sealed = BulkWire.clientSwitch(raw, tls, SealedFrames.FRAME, SealedFrames.REPLY_FRAME);
                byte[] name = job.getBytes(StandardCharsets.UTF_8);
                if (name.length == 0 || name.length > 255) throw new IOException("a job id of " + name.length + " bytes");
                OutputStream out = sealed.out();
                out.write(name.length);
                out.write(name);
                out.flush();
                raw.setSoTimeout(0);
                raw.setKeepAlive(true);
                Socket criu = local.socket(LOCAL_ACCEPT);
                pump(criu, sealed, raw, "pages of job " + job + " from " + host + ":" + port, null);
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                log.warn("page relay for job {} from {}:{} failed: {}", job, host, port, e.toString());
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /**
     * Copies both ways until both directions ended: criu's socket into sealed frames (a frame per read, flushed at
     * once: a page request must not wait for more) and sealed frames into criu's socket. An end of stream is passed
     * on as a half-close; an error closes everything. {@code fromPeer}, when not null, sees every byte toward criu.
     */
    private static void pump(Socket criu, BulkWire.Sealed sealed, Socket raw, String what, PageServerClose fromPeer) {
        AtomicLong up = new AtomicLong(), down = new AtomicLong();
        long t0 = System.nanoTime();
        Thread outbound = Thread.ofVirtual().name("page-relay-out")
                .start(() -> oneWay(criu::getInputStream, sealed::out, up, null, raw, criu, raw, what + ", criu -> peer"));
        oneWay(sealed::in, criu::getOutputStream, down, fromPeer, criu, criu, raw, what + ", peer -> criu");
        try {
            outbound.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(criu);
        log.info("page relay, {}: {} bytes out, {} bytes in, {} ms", what, up.get(), down.get(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** A stream of a socket: getting it may fail (a socket closed meanwhile). */
    private interface Opens<T> {
        T get() throws IOException;
    }

    /**
     * One direction: {@code in} to {@code out} until its end, then a half-close of {@code endsAt}; on an error both
     * sockets are closed (which also ends the other direction).
     */
    private static void oneWay(Opens<InputStream> in, Opens<OutputStream> out, AtomicLong count, PageServerClose watch, Socket endsAt,
                               Socket criu, Socket raw, String what) {
        try {
            copy(in.get(), out.get(), count, watch);
            endsAt.shutdownOutput();
        } catch (IOException e) {
            log.debug("page relay, {}: {}", what, e.toString());
            closeQuietly(criu);
            closeQuietly(raw);
        }
    }

    private static void copy(InputStream in, OutputStream out, AtomicLong count, PageServerClose watch) throws IOException {
        byte[] buf = new byte[BUFFER];
        for (int n; (n = in.read(buf)) >= 0; ) {
            if (n == 0) continue;
            if (watch != null) watch.seen(buf, 0, n);   // before criu can read it: criu exits only after the close
            out.write(buf, 0, n);
            out.flush();
            count.addAndGet(n);
        }
        out.flush();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            log.debug("page relay close: {}", e.toString());
        }
    }
}
