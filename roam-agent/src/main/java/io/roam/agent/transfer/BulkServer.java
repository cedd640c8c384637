package io.roam.agent.transfer;

import io.grpc.stub.StreamObserver;
import io.roam.proto.ImageChunk;
import io.roam.proto.ReceiveReply;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The target's end of the bulk data path (next to the agent's gRPC port, see {@link TransferService#startDataPort}):
 * a TCP server socket whose connections start with a TLS 1.3 handshake that requires a client certificate issued by
 * the cluster CA (the same trust as the gRPC server) and ALPN {@value BulkWire#ALPN} (or {@value BulkWire#PAGES_ALPN}:
 * a post-copy's pages, handed to {@link PageRelay}), then carry
 * {@link SealedFrames} keyed from it (see {@link BulkWire}). Each image connection carries one image stream: its {@link ImageChunk}s go to a
 * receiver made by {@code receivers} (the very {@link ImageReceiver} that gRPC's Transfer.Receive uses: same
 * checksums, HMAC, resume offsets and disk checks), whose one reply goes back on the socket. A stream that breaks is
 * reported to the receiver as an error (it keeps the partial image for a resume, like a broken gRPC stream); a frame
 * that is too long or does not parse is answered with a refusal and the connection is closed; the server goes on.
 */
final class BulkServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BulkServer.class);
    static final int MAX_CONNECTIONS = 16;
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Longer than any pause of a sender that follows a dump (it sends as CRIU writes) or waits for the target's reply. */
    static final Duration IDLE_TIMEOUT = Duration.ofMinutes(6);
    private static final Duration DRAIN = Duration.ofSeconds(5);

    private final ServerSocket socket;
    private final SSLContext ssl;
    private final Function<StreamObserver<ReceiveReply>, StreamObserver<ImageChunk>> receivers;
    private final PageRelay pages;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Thread acceptor;

    private BulkServer(ServerSocket socket, SSLContext ssl, Function<StreamObserver<ReceiveReply>, StreamObserver<ImageChunk>> receivers,
                       PageRelay pages) {
        this.socket = socket;
        this.ssl = ssl;
        this.receivers = receivers;
        this.pages = pages;
        this.acceptor = Thread.ofPlatform().daemon().name("bulk-accept-" + socket.getLocalPort()).start(this::accept);
    }

    /**
     * Listens on {@code host:port}: image streams go to {@code receivers}, connections speaking
     * {@value BulkWire#PAGES_ALPN} to {@code pages}. Throws {@link UncheckedIOException} (a
     * {@link java.net.BindException} inside) when it cannot.
     */
    static BulkServer start(SSLContext ssl, String host, int port,
                            Function<StreamObserver<ReceiveReply>, StreamObserver<ImageChunk>> receivers, PageRelay pages) {
        try {
            var s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, port), 64);
            return new BulkServer(s, ssl, receivers, pages);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    int port() { return socket.getLocalPort(); }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket c = socket.accept();
                if (!slots.tryAcquire()) {
                    log.warn("bulk socket: refusing {}: {} image streams already", c.getRemoteSocketAddress(), MAX_CONNECTIONS);
                    c.close();
                    continue;
                }
                Thread.ofVirtual().name("bulk-" + c.getRemoteSocketAddress()).start(() -> {
                    try {
                        serve(c);
                    } finally {
                        slots.release();
                    }
                });
            } catch (IOException e) {
                if (!socket.isClosed()) log.warn("bulk socket: accept failed: {}", e.toString());
            }
        }
    }

    private void serve(Socket raw) {
        String peer = String.valueOf(raw.getRemoteSocketAddress());
        try (raw) {
            raw.setTcpNoDelay(true);
            raw.setSoTimeout((int) HANDSHAKE_TIMEOUT.toMillis());
            var tls = (SSLSocket) ssl.getSocketFactory().createSocket(raw, null, false);   // server mode, over raw
            tls.setSSLParameters(BulkWire.serverParameters(tls.getSSLParameters()));
            tls.startHandshake();   // no certificate of the cluster: fails here (need client auth)
            String alpn = tls.getApplicationProtocol();
            peer = tls.getSession().getPeerPrincipal().getName() + " at " + peer;
            if (BulkWire.PAGES_ALPN.equals(alpn)) {
                pages.serve(raw, BulkWire.serverSwitch(raw, tls, SealedFrames.REPLY_FRAME, SealedFrames.FRAME), peer);
                return;
            }
            if (!BulkWire.ALPN.equals(alpn)) {
                log.warn("bulk socket: {} does not speak {} (ALPN '{}'); closed", peer, BulkWire.ALPN, alpn);
                return;
            }
            BulkWire.Sealed sealed = BulkWire.targetSwitch(raw, tls);
            raw.setSoTimeout((int) IDLE_TIMEOUT.toMillis());
            stream(raw, sealed, peer);
        } catch (IOException e) {
            log.warn("bulk socket: connection from {} failed: {}", peer, e.toString());
        } catch (RuntimeException e) {
            log.warn("bulk socket: connection from {} failed", peer, e);
        }
    }

    /** One image stream: chunks into a receiver until it has answered, the stream breaks or a frame is refused. */
    private void stream(Socket raw, BulkWire.Sealed sealed, String peer) throws IOException {
        BulkWire.ChunkReader in = new BulkWire.ChunkReader(sealed.in());
        Reply reply = new Reply(sealed.out());
        StreamObserver<ImageChunk> receiver = receivers.apply(reply);
        long chunks = 0;
        try {
            while (!reply.sent) {
                ImageChunk chunk = in.next();   // valid until the next: the receiver writes it first
                if (chunk == null) throw new EOFException("the source closed the bulk socket before the end of the image");
                if (chunks++ == 0 && chunk.hasHeader()) {
                    log.info("image {} of job {} arriving over the bulk socket from {}", chunk.getHeader().getCheckpoint(), chunk.getHeader().getJob(), peer);
                }
                receiver.onNext(chunk);
            }
        } catch (BulkWire.BadFrame e) {
            log.warn("bulk socket: refused a frame from {}: {}", peer, e.getMessage());
            receiver.onError(e);
            reply.onNext(ReceiveReply.newBuilder().setOk(false).setError("the target refused " + e.getMessage()).build());
        } catch (IOException e) {
            receiver.onError(e);   // a broken stream: the receiver keeps the partial image for a resume
            throw e;
        }
        drain(raw);
    }

    /** After the reply: read what the source still sends until it closes (its last writes must not meet a reset). */
    private static void drain(Socket raw) {
        try {
            raw.setSoTimeout((int) DRAIN.toMillis());
            raw.getInputStream().transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            log.debug("bulk socket: drain: {}", e.toString());
        }
    }

    /** The receiver's one answer, written to the socket. */
    private static final class Reply implements StreamObserver<ReceiveReply> {
        private final OutputStream out;
        volatile boolean sent;

        Reply(OutputStream out) { this.out = out; }

        @Override public synchronized void onNext(ReceiveReply r) {
            if (sent) return;
            sent = true;
            try {
                BulkWire.write(r, out);
            } catch (IOException e) {
                log.warn("bulk socket: cannot send the reply ({}): {}", r.getOk() ? "verified" : r.getError(), e.toString());
            }
        }

        @Override public void onError(Throwable t) {}

        @Override public void onCompleted() {}
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("bulk socket close: {}", e.toString());
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
