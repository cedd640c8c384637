package io.roam.agent.transfer;

import io.roam.proto.ImageChunk;
import io.roam.proto.ReceiveReply;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chunks over the bulk socket to a target's {@link BulkServer}: one connection per attempt, authenticated by a
 * mutual-TLS handshake and then carrying {@link SealedFrames} keyed from it (see {@link BulkWire}), each chunk
 * written as one length-delimited message straight from its buffer (no gRPC framing, HTTP/2 flow control or thread
 * handoff). A reader thread waits for the target's one reply (a refusal may come early: a full disk, a foreign
 * cluster). A watchdog closes the connection when a write has made no progress for {@link ImageSender#STALL_TIMEOUT}
 * (a cut network: the kernel's buffers are full and nothing drains them), which fails the attempt like a stalled
 * gRPC stream.
 */
final class BulkLink implements ChunkLink {
    private static final Logger log = LoggerFactory.getLogger(BulkLink.class);
    /** Writes are cut into slices of this much (a sealed frame), so that the watchdog sees progress inside a 4 MiB chunk. */
    private static final int SLICE = SealedFrames.FRAME;
    private static final Duration WATCH_EVERY = Duration.ofMillis(500);

    private final Socket raw;
    private final OutputStream out;
    private final CompletableFuture<ReceiveReply> reply = new CompletableFuture<>();
    private volatile long writingSince;   // 0: not writing; else the time of the last progress of the current write
    private volatile boolean closed;

    private final SSLSocket tls;   // its session keyed the frames; never written to again (it would put a TLS record among them)

    private BulkLink(Socket raw, SSLSocket tls, BulkWire.Sealed sealed) {
        this.raw = raw;
        this.tls = tls;
        this.out = new Sliced(sealed.out());
        InputStream in = sealed.in();
        Thread.ofVirtual().name("bulk-reply").start(() -> readReply(in));
        Thread.ofVirtual().name("bulk-watchdog").start(this::watch);
    }

    /** Connects, handshakes (mutual TLS, ALPN) and checks the protocol, all within {@code timeout}. */
    static BulkLink connect(SSLContext ssl, String host, int port, Duration timeout) throws IOException {
        Socket raw = new Socket();
        try {
            SSLSocket tls = BulkWire.connect(raw, ssl, host, port, BulkWire.ALPN, timeout);
            BulkWire.Sealed sealed = BulkWire.sourceSwitch(raw, tls);
            raw.setSoTimeout(0);   // the reply comes after the target verified the image: the sender bounds that wait
            return new BulkLink(raw, tls, sealed);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    @Override
    public boolean offer(ImageChunk chunk) throws InterruptedException {
        if (reply.isDone()) return false;
        writingSince = System.nanoTime();
        try {
            BulkWire.write(chunk, out);
            return true;
        } catch (IOException e) {
            // The target may have answered (a refusal) and closed: let the reader see its reply first.
            try {
                reply.get(2, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                throw ie;
            } catch (Exception ignored) {
                // broken or no reply: completed below
            }
            reply.completeExceptionally(e);
            return false;
        } finally {
            writingSince = 0;
        }
    }

    private void readReply(InputStream in) {
        try {
            ReceiveReply r = ReceiveReply.parseDelimitedFrom(in);
            if (r == null) reply.completeExceptionally(new EOFException("the target closed the bulk socket without an answer"));
            else reply.complete(r);
        } catch (IOException e) {
            reply.completeExceptionally(closed ? new EOFException("the bulk socket was closed") : e);
        }
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(WATCH_EVERY);
            } catch (InterruptedException e) {
                return;
            }
            long since = writingSince;
            if (since != 0 && System.nanoTime() - since > ImageSender.STALL_TIMEOUT.toNanos()) {
                reply.completeExceptionally(new TimeoutException("the target accepted nothing for "
                        + ImageSender.STALL_TIMEOUT.toSeconds() + " s (network cut?)"));
                log.warn("bulk socket to {}: no progress for {} s; closing it", raw.getRemoteSocketAddress(), ImageSender.STALL_TIMEOUT.toSeconds());
                close();
            }
        }
    }

    /** {@link BulkWire#write} seals (copies) every byte into frames and writes them before it returns. */
    @Override public boolean doneWithChunkOnReturn() { return true; }

    @Override public CompletableFuture<ReceiveReply> reply() { return reply; }

    @Override public void halfClose() {}   // the end chunk tells the receiver; the socket stays open for its reply

    @Override
    public void cancel(String why, Throwable cause) {
        reply.completeExceptionally(new IOException(why, cause));
        close();
    }

    @Override public String path() { return "the bulk socket"; }

    /** Closes the TCP socket under TLS at once: it also ends a write or read blocked in another thread. */
    @Override
    public void close() {
        closed = true;
        try {
            raw.close();
        } catch (IOException e) {
            log.debug("bulk socket close: {}", e.toString());
        }
    }

    /** Writes in slices, noting the progress of each for the watchdog. */
    private final class Sliced extends FilterOutputStream {
        Sliced(OutputStream out) { super(out); }

        @Override public void write(byte[] b, int off, int len) throws IOException {
            for (int done = 0; done < len; ) {
                int n = Math.min(SLICE, len - done);
                out.write(b, off + done, n);
                done += n;
                writingSince = System.nanoTime();
            }
        }

        @Override public void write(int b) throws IOException { out.write(b); }
    }
}
