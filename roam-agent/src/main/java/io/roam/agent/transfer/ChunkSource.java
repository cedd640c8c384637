package io.roam.agent.transfer;

import com.github.luben.zstd.Zstd;
import com.google.protobuf.UnsafeByteOperations;
import io.roam.core.codec.CodecPolicy;
import io.roam.core.codec.CodecSample;
import io.roam.core.codec.ImageCodec;
import io.roam.criu.image.ImageManifests;
import io.roam.proto.ImageChunk;
import io.roam.proto.XferCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer of one transfer attempt: reads the image's files in 4 MiB chunks from the offsets the target already
 * holds, encodes each with the current codec and puts it into the sender's bounded queue (the memory bound).
 *
 * <p>The codec is chosen per transfer, from measurements: the first {@link #DECIDE_AFTER} chunks travel raw while
 * {@link #SAMPLES} of them are also compressed (zstd-1 and zstd-fast, timed) and the rate at which the sender takes
 * raw chunks off the full queue gives the link's rate; then {@link CodecPolicy} decides. Every {@link #RESAMPLE}
 * chunks one more chunk is sampled (and, while raw, the link measured again) and the choice revisited: an image's
 * heap may compress where its other pages do not.
 */
final class ChunkSource {
    private static final Logger log = LoggerFactory.getLogger(ChunkSource.class);
    static final int CHUNK = 4 << 20;
    static final int SAMPLES = 4;
    static final int DECIDE_AFTER = 12;
    static final int RESAMPLE = 32;
    static final int SAMPLE_BYTES = 1 << 20;
    static final ImageChunk POISON = ImageChunk.newBuilder().setFile("\0poison").build();

    static final Duration FOLLOW_LIMIT = Duration.ofMinutes(15);
    static final long FOLLOW_POLL_MS = 20;

    private final Path dir;
    private final Map<String, Long> from;
    private final Map<String, Long> seen = new HashMap<>();
    private volatile long seenBytes;
    private long sentBytes;
    private final BlockingQueue<ImageChunk> queue;
    private final Optional<ImageCodec> forced;
    private final boolean corrupt;
    private final int cores = Runtime.getRuntime().availableProcessors();
    private volatile ImageCodec codec;
    private volatile String why;
    private CodecSample sample;
    private double linkMBps;
    private long chunks, windowBytes, windowStart;
    private byte[] scratch = new byte[0];
    /**
     * Whole-chunk buffers that the link is done with, to read into again: a fresh 4 MiB array per chunk cost the
     * sender ~7% of its CPU in zeroing alone on an incompressible 1 GB image (and G1 a humongous region each).
     * Bounded by the chunks that can be in flight: the queue, the one being sent and the one being read.
     */
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(ImageSender.QUEUE_CHUNKS + 2);
    /** The buffer behind each raw chunk in flight, by identity, until {@link #sent} gives it back. */
    private final Map<ImageChunk, byte[]> lent = Collections.synchronizedMap(new IdentityHashMap<>());
    private final boolean reuseBuffers;

    /**
     * @param dir      the image directory (complete, or being written by CRIU: see {@link #run()})
     * @param from     each file's length the target holds already (resumed transfers); files it holds whole are skipped
     * @param forced   a codec to use throughout instead of choosing
     * @param codecNow the codec to start with (a resumed attempt goes on with the choice of the one before)
     */
    ChunkSource(Path dir, Map<String, Long> from, BlockingQueue<ImageChunk> queue, Optional<ImageCodec> forced, boolean corrupt,
                ImageCodec codecNow, String whyNow, boolean reuseBuffers) {
        this.reuseBuffers = reuseBuffers;
        this.dir = dir;
        this.from = from;
        this.queue = queue;
        this.forced = forced;
        this.corrupt = corrupt;
        this.codec = forced.orElse(codecNow);
        this.why = forced.isPresent() ? "forced by " + TransferFaults.CODEC_ENV : whyNow;
    }

    ImageCodec codec() { return codec; }

    /** The codec and the reason, for the progress line: {@code codec none (zstd-1 saves 0% at 410 MB/s, link 930 MB/s)}. */
    String describe() { return "codec " + codec.label() + (why.isEmpty() ? "" : " (" + why + ")"); }

    String reason() { return why; }

    /**
     * Runs on the producer thread until every chunk (and the end marker) is queued; POISON when the image cannot be
     * read. Passes over the directory until the manifest exists (at once for a finished image; while CRIU still writes,
     * a follow-mode transfer sends what is there and comes back for more): the manifest is written last and atomically,
     * so once it is seen every other file has its final size, and one more pass sends the rest, then the manifest.
     */
    void run() {
        boolean corruptPending = corrupt;
        windowStart = System.nanoTime();
        Map<String, Long> sent = new HashMap<>(from);
        long deadline = System.nanoTime() + FOLLOW_LIMIT.toNanos();
        DirWatch watch = null;
        try {
            while (true) {
                boolean sealed = Files.exists(dir.resolve(ImageManifests.MANIFEST));
                long before = sentBytes;
                for (Path f : ImageFiles.inOrder(dir)) {
                    String name = f.getFileName().toString();
                    if (name.equals(ImageManifests.MANIFEST) || name.endsWith(".tmp")) continue;
                    // CRIU's own logs grow with every line it writes (and a post-copy dump's log goes on growing while
                    // it serves pages): followed, they kept this loop from ever resting, a stream of tiny chunks that
                    // took the CPU from CRIU. They go once, in the last pass.
                    if (!sealed && name.endsWith(".log")) continue;
                    corruptPending = sendAvailable(f, name, sent, corruptPending);
                }
                if (sealed) {
                    sendAvailable(dir.resolve(ImageManifests.MANIFEST), ImageManifests.MANIFEST, sent, false);
                    break;
                }
                if (System.nanoTime() > deadline) throw new IOException("the image was not sealed within " + FOLLOW_LIMIT.toMinutes() + " min");
                if (sentBytes == before) {
                    if (watch == null) watch = DirWatch.on(dir);   // only a transfer that follows a dump rests
                    watch.rest(FOLLOW_POLL_MS);
                }
            }
            queue.put(ImageChunk.newBuilder().setEnd(true).build());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | UncheckedIOException e) {
            log.warn("reading the image failed: {}", e.toString());
            queue.offer(POISON);
        } finally {
            if (watch != null) watch.close();
        }
    }

    /** Bytes of the image seen so far (all files, as large as they are now): the total of a transfer that follows a dump. */
    long seenBytes() { return seenBytes; }

    /** Queues the part of {@code f} not sent yet (an empty file once, to create it); returns whether a corruption is still pending. */
    private boolean sendAvailable(Path f, String name, Map<String, Long> sent, boolean corruptPending)
            throws IOException, InterruptedException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            long size = ch.size();
            long offset = sent.getOrDefault(name, 0L);
            seen.put(name, size);
            seenBytes = seen.values().stream().mapToLong(Long::longValue).sum();
            if (sent.containsKey(name) && offset >= size) return corruptPending;
            do {
                // Read straight into the chunk's own array (the queue holds it until it is sent): no second copy.
                int want = (int) Math.min(CHUNK, Math.max(0, size - offset));
                byte[] raw = want == CHUNK && reuseBuffers ? buffer() : new byte[want];
                int n = readFully(ch, ByteBuffer.wrap(raw), offset);
                if (n < raw.length) raw = Arrays.copyOf(raw, Math.max(0, n));   // the file shrank: send what is there
                if (corruptPending && raw.length > 0 && name.startsWith("pages-")) {
                    raw[raw.length / 2] ^= 0x5a;   // ROAM_FAULT=corrupt-transfer
                    corruptPending = false;
                    log.warn("fault injection: corrupted one byte of {} in flight", name);
                }
                queue.put(encode(name, offset, raw));
                measure(raw);
                offset += raw.length;
                sentBytes += raw.length;
                sent.put(name, offset);
                if (n <= 0) break;
            } while (offset < size);
        }
        return corruptPending;
    }

    private ImageChunk encode(String name, long offset, byte[] raw) {
        var b = ImageChunk.newBuilder().setFile(name).setOffset(offset).setRawLength(raw.length);
        if (codec == ImageCodec.NONE) {
            ImageChunk c = b.setCodec(XferCodec.XFER_CODEC_NONE).setData(UnsafeByteOperations.unsafeWrap(raw)).build();
            if (reuseBuffers && raw.length == CHUNK) lent.put(c, raw);
            return c;
        }
        ImageChunk c = b.setCodec(XferCodec.XFER_CODEC_ZSTD).setZstd(UnsafeByteOperations.unsafeWrap(Zstd.compress(raw, codec.level()))).build();
        if (reuseBuffers && raw.length == CHUNK) free.offer(raw);   // measure() is done with it before the next read
        return c;
    }

    /** The link is done with {@code chunk} (see {@link ChunkLink#doneWithChunkOnReturn}): its buffer is read into again. */
    void sent(ImageChunk chunk) {
        byte[] b = lent.remove(chunk);
        if (b != null) free.offer(b);
    }

    private byte[] buffer() {
        byte[] b = free.poll();
        return b != null ? b : new byte[CHUNK];
    }

    /** After a chunk was queued: sample, measure the link, decide. */
    private void measure(byte[] raw) {
        chunks++;
        windowBytes += raw.length;
        if (forced.isPresent() || raw.length < CHUNK / 2) return;
        if (chunks <= SAMPLES || chunks % RESAMPLE == 0) addSample(raw);
        // The queue is full from the first QUEUE_CHUNKS on: from then, put() returns at the sender's pace.
        if (chunks == ImageSender.QUEUE_CHUNKS) {
            windowBytes = 0;
            windowStart = System.nanoTime();
        }
        if (chunks == DECIDE_AFTER || (chunks > DECIDE_AFTER && chunks % RESAMPLE == 0)) decide();
    }

    /**
     * Compresses {@link #SAMPLE_BYTES} from the middle of the chunk with both codecs, timed: a quarter of the chunk
     * (the whole chunk, twice, cost ~6% of the sender's CPU on incompressible 1 GB images, where the CPU is the limit).
     */
    private void addSample(byte[] raw) {
        int len = Math.min(raw.length, SAMPLE_BYTES), off = (raw.length - len) / 2;
        long t0 = System.nanoTime();
        long z1 = Zstd.compressByteArray(scratch(len), 0, scratch.length, raw, off, len, ImageCodec.ZSTD_1.level());
        long t1 = System.nanoTime();
        long zf = Zstd.compressByteArray(scratch, 0, scratch.length, raw, off, len, ImageCodec.ZSTD_FAST.level());
        long t2 = System.nanoTime();
        if (Zstd.isError(z1) || Zstd.isError(zf)) return;
        CodecSample s = new CodecSample(len, (int) z1, t1 - t0, (int) zf, t2 - t1);
        sample = sample == null ? s : sample.plus(s);
    }

    private void decide() {
        long ns = System.nanoTime() - windowStart;
        if (codec == ImageCodec.NONE && ns > 0 && windowBytes > 0) linkMBps = windowBytes / 1e6 / (ns / 1e9);
        windowBytes = 0;
        windowStart = System.nanoTime();
        if (sample == null || linkMBps <= 0) return;
        CodecPolicy.Choice c = CodecPolicy.choose(sample, linkMBps, cores);
        if (c.codec() != codec) log.info("transfer codec: {} ({})", c.codec().label(), c.reason());
        codec = c.codec();
        why = c.reason();
    }

    /** The compression samples' output buffer, large enough for any {@code len} input bytes. */
    private byte[] scratch(int len) {
        int bound = (int) Zstd.compressBound(len);
        if (scratch.length < bound) scratch = new byte[bound];
        return scratch;
    }

    private static int readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        int total = 0;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + total);
            if (n < 0) break;
            total += n;
        }
        return total;
    }
}
