package io.roam.agent.transfer;

import com.github.luben.zstd.Zstd;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.roam.proto.ImageChunk;
import io.roam.proto.ImageHeader;
import io.roam.proto.ReceiveReply;
import io.roam.proto.TransferGrpc;
import io.roam.proto.TransferProgress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one image directory to a target agent's Transfer.Receive: files are read in 1 MiB chunks and compressed
 * with zstd on a producer thread into a queue of {@link #QUEUE_CHUNKS} (the memory bound); the sender writes a chunk
 * only when gRPC's flow control says the stream is ready, and gives up when the target accepts nothing for
 * {@link #STALL_TIMEOUT} (a cut network) or the call fails (target gone).
 */
final class ImageSender {
    private static final Logger log = LoggerFactory.getLogger(ImageSender.class);
    static final int CHUNK = 1 << 20;
    static final int QUEUE_CHUNKS = 8;
    static final int ZSTD_LEVEL = 1;
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration PROGRESS_EVERY = Duration.ofMillis(500);
    private static final ImageChunk POISON = ImageChunk.newBuilder().setFile("\0poison").build();

    private final TransferFaults faults;

    ImageSender(TransferFaults faults) { this.faults = faults; }

    /** Sends {@code dir}; progress goes to {@code progress} (also the last, done message). Never throws for I/O faults. */
    TransferProgress send(ManagedChannel channel, Path dir, ImageHeader header, Consumer<TransferProgress> progress) {
        List<Path> files = ImageFiles.inOrder(dir);
        long total = ImageFiles.totalBytes(files);
        ImageHeader h = header.toBuilder().setTotalBytes(total).build();
        long t0 = System.nanoTime();
        BlockingQueue<ImageChunk> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
        CompletableFuture<ReceiveReply> reply = new CompletableFuture<>();
        Object ready = new Object();
        @SuppressWarnings("unchecked")
        ClientCallStreamObserver<ImageChunk>[] req = new ClientCallStreamObserver[1];
        TransferGrpc.newStub(channel).withDeadlineAfter(30, TimeUnit.MINUTES).receive(new ClientResponseObserver<ImageChunk, ReceiveReply>() {
            @Override public void beforeStart(ClientCallStreamObserver<ImageChunk> r) {
                req[0] = r;
                r.setOnReadyHandler(() -> { synchronized (ready) { ready.notifyAll(); } });
            }
            @Override public void onNext(ReceiveReply v) { reply.complete(v); }
            @Override public void onError(Throwable t) {
                reply.completeExceptionally(t);
                synchronized (ready) { ready.notifyAll(); }
            }
            @Override public void onCompleted() {
                reply.completeExceptionally(new IllegalStateException("the target closed the stream without an answer"));
                synchronized (ready) { ready.notifyAll(); }
            }
        });
        Thread producer = Thread.ofVirtual().name("image-reader").start(() -> produce(files, queue));
        long sent = 0, wire = 0, lastProgress = System.nanoTime();
        try {
            if (!offer(req[0], ImageChunk.newBuilder().setHeader(h).build(), ready, reply)) return failed(reply, sent, total, wire, t0);
            while (true) {
                ImageChunk c = queue.poll(STALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                if (c == null) throw new IllegalStateException("reading the image stalled");
                if (c == POISON) return finish(failedLine("cannot read the image " + dir), sent, total, wire, t0);
                if (!offer(req[0], c, ready, reply)) return failed(reply, sent, total, wire, t0);
                if (c.getEnd()) break;
                sent += c.getRawLength();
                wire += c.getZstd().size();
                throttle(sent, t0);
                if (System.nanoTime() - lastProgress > PROGRESS_EVERY.toNanos()) {
                    progress.accept(progress(sent, total, wire, t0).build());
                    lastProgress = System.nanoTime();
                }
            }
            req[0].onCompleted();
            ReceiveReply r = reply.get(Checks.REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            TransferProgress.Builder done = progress(sent, total, wire, t0).setDone(true).setOk(r.getOk()).setError(r.getError())
                    .setPath(r.getPath());
            log.info("image {} sent to {}: {} bytes ({} on the wire) in {} ms, {}", h.getCheckpoint(), header.getSourceNode(), sent, wire,
                    done.getTookMs(), r.getOk() ? "verified" : "refused: " + r.getError());
            return done.build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            req[0].cancel("interrupted", e);
            return finish(failedLine("interrupted"), sent, total, wire, t0);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            req[0].cancel("transfer failed", e);
            return failed(reply, sent, total, wire, t0, e);
        } finally {
            producer.interrupt();
        }
    }

    /** Waits (bounded) until the stream accepts a message, then sends it; false when the call has failed. */
    private static boolean offer(ClientCallStreamObserver<ImageChunk> req, ImageChunk c, Object ready, CompletableFuture<ReceiveReply> reply)
            throws InterruptedException {
        long deadline = System.nanoTime() + STALL_TIMEOUT.toNanos();
        synchronized (ready) {
            while (!req.isReady() && !reply.isDone()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    req.cancel("stalled", null);
                    reply.completeExceptionally(new TimeoutException("the target accepted nothing for "
                            + STALL_TIMEOUT.toSeconds() + " s (network cut?)"));
                    return false;
                }
                ready.wait(Math.max(1, left / 1_000_000));
            }
        }
        if (reply.isDone()) return false;
        req.onNext(c);
        return true;
    }

    private void produce(List<Path> files, BlockingQueue<ImageChunk> queue) {
        boolean corruptPending = faults.corrupt();
        try {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            for (Path f : files) {
                String name = f.getFileName().toString();
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    long offset = 0;
                    while (true) {
                        buf.clear();
                        int n = readFully(ch, buf);
                        if (n <= 0 && offset > 0) break;
                        byte[] raw = new byte[Math.max(0, n)];
                        buf.flip();
                        buf.get(raw);
                        if (corruptPending && raw.length > 0 && name.startsWith("pages-")) {
                            raw[raw.length / 2] ^= 0x5a;   // ROAM_FAULT=corrupt-transfer
                            corruptPending = false;
                            log.warn("fault injection: corrupted one byte of {} in flight", name);
                        }
                        queue.put(ImageChunk.newBuilder().setFile(name).setOffset(offset).setRawLength(raw.length)
                                .setZstd(ByteString.copyFrom(Zstd.compress(raw, ZSTD_LEVEL))).build());
                        offset += raw.length;
                        if (n < CHUNK) break;
                    }
                }
            }
            queue.put(ImageChunk.newBuilder().setEnd(true).build());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | UncheckedIOException e) {
            log.warn("reading the image failed: {}", e.toString());
            queue.offer(POISON);
        }
    }

    private static int readFully(FileChannel ch, ByteBuffer buf) throws IOException {
        int total = 0;
        while (buf.hasRemaining()) {
            int n = ch.read(buf);
            if (n < 0) break;
            total += n;
        }
        return total;
    }

    private void throttle(long sent, long t0) throws InterruptedException {
        if (faults.limitBytesPerSecond().isEmpty()) return;
        long dueNanos = (long) (sent * 1e9 / faults.limitBytesPerSecond().getAsLong());
        long ahead = dueNanos - (System.nanoTime() - t0);
        if (ahead > 0) Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
    }

    private static TransferProgress failed(CompletableFuture<ReceiveReply> reply, long sent, long total, long wire, long t0) {
        return failed(reply, sent, total, wire, t0, null);
    }

    private static TransferProgress failed(CompletableFuture<ReceiveReply> reply, long sent, long total, long wire, long t0, Throwable e) {
        String why;
        try {
            ReceiveReply r = reply.getNow(null);
            why = r != null ? (r.getOk() ? "the target answered before the image was complete" : r.getError()) : describe(e);
        } catch (RuntimeException ex) {
            why = describe(ex.getCause() != null ? ex.getCause() : ex);
        }
        return finish(failedLine(why), sent, total, wire, t0);
    }

    static String describe(Throwable t) {
        if (t == null) return "the transfer failed";
        while ((t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) t = t.getCause();
        if (t instanceof io.grpc.StatusRuntimeException s) {
            return "the connection to the target failed (" + s.getStatus().getCode()
                    + (s.getStatus().getDescription() == null ? "" : ": " + s.getStatus().getDescription().lines().findFirst().orElse("")) + ")";
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private static String failedLine(String why) { return why; }

    private static TransferProgress finish(String error, long sent, long total, long wire, long t0) {
        return progress(sent, total, wire, t0).setDone(true).setOk(false).setError(error).build();
    }

    private static TransferProgress.Builder progress(long sent, long total, long wire, long t0) {
        long tookNs = System.nanoTime() - t0;
        return TransferProgress.newBuilder().setBytesSent(sent).setTotalBytes(total).setWireBytes(wire)
                .setMbPerS(tookNs <= 0 ? 0 : sent / 1e6 / (tookNs / 1e9)).setTookMs(tookNs / 1_000_000);
    }

    /** Timeouts shared by both sides. */
    static final class Checks {
        /** How long the target may take to verify the received image (checksums of GBs). */
        static final Duration REPLY_TIMEOUT = Duration.ofMinutes(5);

        private Checks() {}
    }
}
