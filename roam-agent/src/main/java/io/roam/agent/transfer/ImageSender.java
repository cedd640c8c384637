package io.roam.agent.transfer;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.roam.core.codec.ImageCodec;
import io.roam.proto.ImageChunk;
import io.roam.proto.ImageHeader;
import io.roam.proto.ReceiveReply;
import io.roam.proto.TransferGrpc;
import io.roam.proto.TransferProgress;
import io.roam.proto.XferFileLength;
import io.roam.proto.XferResumeReply;
import io.roam.proto.XferResumeRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one image directory to a target agent's {@link ImageReceiver}. A {@link ChunkSource} on a producer thread
 * reads and encodes 4 MiB chunks into a queue of {@link #QUEUE_CHUNKS} (the memory bound); the sender writes them to
 * the attempt's {@link ChunkLink}: the bulk socket or gRPC's Transfer.Receive, as the {@link TransferTarget} decides.
 * When the link breaks (it fails, or the target accepts nothing for {@link #STALL_TIMEOUT}: a cut network) the
 * transfer resumes: it asks the target what it holds (Transfer.XferResume, over gRPC) and goes on from there on a new
 * link, for at most {@link #RESUME_WINDOW} after the break. A refusal by the target (checksums, HMAC, disk) is final.
 * No call has a fixed deadline: a 3 GB image is bounded by stalls, not by its size.
 */
final class ImageSender {
    private static final Logger log = LoggerFactory.getLogger(ImageSender.class);
    static final int QUEUE_CHUNKS = 4;
    static final int ON_READY_THRESHOLD = 8 << 20;
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(10);
    static final Duration RESUME_WINDOW = Duration.ofSeconds(30);
    private static final Duration RESUME_CALL = Duration.ofSeconds(5);
    private static final Duration PROGRESS_EVERY = Duration.ofMillis(500);

    private final TransferFaults faults;

    ImageSender(TransferFaults faults) { this.faults = faults; }

    /** The state of one transfer across its attempts. */
    private static final class Run {
        final long t0 = System.nanoTime();
        long sent, wire, pushed, resumedBytes, lastProgress = System.nanoTime();
        long brokenAt;   // when the stream broke and no chunk has been sent since (0: it is not broken)
        String path = "";
        int resumes;
        boolean follow;
        BooleanSupplier cancelled;
        ChunkSource source;
        ImageCodec codec = ImageCodec.NONE;
        String why = "";
        String codecLine = "";
    }

    /** How one attempt ended. */
    private sealed interface Attempt {
        record Answered(ReceiveReply reply) implements Attempt {}
        record Broken(String why) implements Attempt {}
        record Failed(String why) implements Attempt {}
    }

    /**
     * Sends {@code dir} (with {@code follow}, while CRIU still writes it: see {@link ChunkSource#run()}); progress goes to
     * {@code progress} (also the last, done message); stops when {@code cancelled} says so. Never throws for I/O faults.
     */
    TransferProgress send(TransferTarget target, Path dir, ImageHeader header, boolean follow, BooleanSupplier cancelled,
                          Consumer<TransferProgress> progress) {
        long total = follow ? 0 : ImageFiles.totalBytes(ImageFiles.inOrder(dir));
        ImageHeader h = header.toBuilder().setTotalBytes(total).build();
        Run run = new Run();
        run.follow = follow;
        run.cancelled = cancelled;
        Map<String, Long> from = Map.of();
        while (true) {
            Attempt a = attempt(target, dir, h.toBuilder().setResume(!from.isEmpty()).build(), from, run, total, progress);
            switch (a) {
                case Attempt.Answered(ReceiveReply r) -> {
                    TransferProgress.Builder done = progress(run, total).setDone(true).setOk(r.getOk()).setError(r.getError()).setPath(r.getPath());
                    log.info("image {} sent to {} over {}: {} bytes ({} on the wire, {}, {} resumes, {} bytes not sent again) in {} ms, {}",
                            h.getCheckpoint(), target.address(), run.path, run.sent, run.wire, run.codecLine, run.resumes, run.resumedBytes,
                            done.getTookMs(), r.getOk() ? "verified" : "refused: " + r.getError());
                    return done.build();
                }
                case Attempt.Failed(String why) -> { return finish(why, run, total); }
                case Attempt.Broken(String why) -> {
                    log.warn("image {}: the transfer to {} over {} broke after {} bytes ({}); resuming", h.getCheckpoint(), target.address(),
                            run.path, run.sent, why);
                    if (run.brokenAt == 0) run.brokenAt = System.nanoTime();
                    Held held = resume(target.channel(), h.getCheckpoint(), why, run.brokenAt + RESUME_WINDOW.toNanos());
                    if (held.failed() != null) return finish(held.failed(), run, total);
                    from = held.lengths();
                    run.resumes++;
                    run.resumedBytes = from.values().stream().mapToLong(Long::longValue).sum();
                    run.sent = run.resumedBytes;
                }
            }
        }
    }

    /** What the target holds after a break (file → contiguous length; empty: start over), or why resuming failed. */
    private record Held(Map<String, Long> lengths, String failed) {}

    private Held resume(ManagedChannel channel, String checkpoint, String brokeBecause, long deadline) {
        String last = brokeBecause;
        while (System.nanoTime() < deadline) {
            channel.resetConnectBackoff();
            try {
                XferResumeReply r = TransferGrpc.newBlockingStub(channel).withWaitForReady()
                        .withDeadlineAfter(RESUME_CALL.toMillis(), TimeUnit.MILLISECONDS)
                        .xferResume(XferResumeRequest.newBuilder().setCheckpoint(checkpoint).build());
                Map<String, Long> held = new HashMap<>();
                for (XferFileLength f : r.getFilesList()) held.put(f.getFile(), f.getLength());
                log.info("image {}: the target holds {} bytes; resuming from there", checkpoint, held.values().stream().mapToLong(Long::longValue).sum());
                return new Held(held, null);
            } catch (StatusRuntimeException e) {
                last = describe(e);
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return new Held(Map.of(), "interrupted");
                }
            }
        }
        return new Held(Map.of(), last + "; no resume possible within " + RESUME_WINDOW.toSeconds() + " s");
    }

    private Attempt attempt(TransferTarget target, Path dir, ImageHeader h, Map<String, Long> from, Run run, long total,
                            Consumer<TransferProgress> progress) {
        ChunkLink link;
        try {
            link = target.open();
        } catch (IOException e) {
            return new Attempt.Broken(e.getMessage());
        }
        run.path = link.path();
        BlockingQueue<ImageChunk> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
        ChunkSource source = new ChunkSource(dir, from, queue, faults.codec(), faults.corrupt() && run.resumes == 0, run.codec, run.why,
                link.doneWithChunkOnReturn());
        run.source = source;
        Thread producer = Thread.ofVirtual().name("image-reader").start(source::run);
        try (link) {
            if (!link.offer(ImageChunk.newBuilder().setHeader(h).build())) return ended(link.reply());
            long idleSince = System.nanoTime();
            while (true) {
                if (run.cancelled.getAsBoolean()) {
                    link.cancel("the coordinator cancelled the transfer", null);
                    return new Attempt.Failed("the transfer was cancelled");
                }
                ImageChunk c = queue.poll(1, TimeUnit.SECONDS);
                if (c == null) {
                    // Following a dump: CRIU may write nothing for a while (freezing, the parasite); the producer bounds it.
                    if (!run.follow && System.nanoTime() - idleSince > STALL_TIMEOUT.toNanos()) throw new IllegalStateException("reading the image stalled");
                    if (!producer.isAlive()) throw new IllegalStateException("reading the image ended without its end");
                    continue;
                }
                idleSince = System.nanoTime();
                if (c == ChunkSource.POISON) return new Attempt.Failed("cannot read the image " + dir);
                if (!link.offer(c)) return ended(link.reply());
                source.sent(c);
                if (c.getEnd()) break;
                run.brokenAt = 0;
                run.sent += c.getRawLength();
                run.pushed += c.getRawLength();
                run.wire += c.getZstd().size() + c.getData().size();
                run.codec = source.codec();
                run.why = source.reason();
                run.codecLine = source.describe() + ", over " + link.path();
                throttle(run);
                if (System.nanoTime() - run.lastProgress > PROGRESS_EVERY.toNanos()) {
                    progress.accept(progress(run, total).build());
                    run.lastProgress = System.nanoTime();
                }
            }
            link.halfClose();
            return new Attempt.Answered(link.reply().get(Checks.REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            link.cancel("interrupted", e);
            return new Attempt.Failed("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            link.cancel("transfer failed", e);
            return new Attempt.Broken(describe(e));
        } catch (RuntimeException e) {
            link.cancel("transfer failed", e);
            return new Attempt.Failed(describe(e));
        } finally {
            producer.interrupt();
        }
    }

    /** The call ended before the image was sent: a refusal by the target is final, a broken call resumable. */
    private static Attempt ended(CompletableFuture<ReceiveReply> reply) {
        try {
            ReceiveReply r = reply.getNow(null);
            if (r == null) return new Attempt.Broken("the stream ended");
            return r.getOk() ? new Attempt.Failed("the target answered before the image was complete") : new Attempt.Answered(r);
        } catch (RuntimeException e) {
            return new Attempt.Broken(describe(e.getCause() != null ? e.getCause() : e));
        }
    }

    private void throttle(Run run) throws InterruptedException {
        if (faults.limitBytesPerSecond().isEmpty()) return;
        long dueNanos = (long) (run.pushed * 1e9 / faults.limitBytesPerSecond().getAsLong());
        long ahead = dueNanos - (System.nanoTime() - run.t0);
        if (ahead > 0) Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
    }

    static String describe(Throwable t) {
        if (t == null) return "the transfer failed";
        while ((t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) t = t.getCause();
        if (t instanceof StatusRuntimeException s) {
            return "the connection to the target failed (" + s.getStatus().getCode()
                    + (s.getStatus().getDescription() == null ? "" : ": " + s.getStatus().getDescription().lines().findFirst().orElse("")) + ")";
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private static TransferProgress finish(String error, Run run, long total) {
        return progress(run, total).setDone(true).setOk(false).setError(error).build();
    }

    private static TransferProgress.Builder progress(Run run, long total) {
        long tookNs = System.nanoTime() - run.t0;
        if (run.source != null) total = Math.max(total, run.source.seenBytes());
        return TransferProgress.newBuilder().setBytesSent(run.sent).setTotalBytes(total).setWireBytes(run.wire)
                .setMbPerS(tookNs <= 0 ? 0 : run.sent / 1e6 / (tookNs / 1e9)).setTookMs(tookNs / 1_000_000)
                .setCodec(run.codecLine).setResumes(run.resumes).setResumedBytes(run.resumedBytes);
    }

    /** Timeouts shared by both sides. */
    static final class Checks {
        /** How long the target may take to verify the received image (checksums of GBs). */
        static final Duration REPLY_TIMEOUT = Duration.ofMinutes(5);

        private Checks() {}
    }
}
