package io.roam.criu.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Checksums an image directory while CRIU writes it, so that sealing after the dump only reads what was appended
 * since the last pass (a 1 GB image: a few MB instead of the whole image).
 *
 * <p>CRIU writes every image file front to back (opened {@code O_TRUNC}, then appended to); a pass every
 * {@link #PASS_MS} ms reads each file from where the last pass stopped up to its current size rounded down to a
 * page. A file that shrank or was replaced (another inode) is checksummed again from its start at {@link #finish}.
 * A file CRIU rewrote in place would get a sum that does not match it: every restore checks every sum, so such an
 * image would be refused, never restored wrong.
 */
public final class SealFollower implements AutoCloseable {
    static final long PASS_MS = 10;
    private static final int BUFFER = 1 << 20;
    private static final long PAGE = 4096;

    /** What was checksummed of one file so far. */
    private static final class Followed {
        final Object inode;
        final CRC32C crc = new CRC32C();
        long done;

        Followed(Object inode) { this.inode = inode; }
    }

    private final Path dir;
    private final Map<String, Followed> files = new HashMap<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile long followedBytes;

    private SealFollower(Path dir) {
        this.dir = dir;
        this.thread = Thread.ofVirtual().name("seal-" + dir.getFileName()).start(this::loop);
    }

    /** Starts following {@code imageDir} (which may not exist yet). */
    public static SealFollower start(Path imageDir) { return new SealFollower(Objects.requireNonNull(imageDir)); }

    private void loop() {
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer buf = arena.allocate(BUFFER, 4096).asByteBuffer();
            while (!stop) {
                try {
                    pass(buf, false);
                } catch (IOException | UncheckedIOException e) {
                    // the directory is still being made, a file went away: the next pass or finish() sees it
                }
                try {
                    Thread.sleep(PASS_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One pass over the directory; {@code last}: CRIU has ended, read every file to its end. */
    private synchronized void pass(ByteBuffer buf, boolean last) throws IOException {
        if (!Files.isDirectory(dir)) return;
        for (Map.Entry<String, Long> e : ImageManifests.list(dir).entrySet()) {
            if (stop && !last) return;
            Path p = dir.resolve(e.getKey());
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            Followed f = files.get(e.getKey());
            if (f == null || !Objects.equals(f.inode, a.fileKey()) || a.size() < f.done) {
                f = new Followed(a.fileKey());
                files.put(e.getKey(), f);
            }
            long upTo = last ? a.size() : a.size() & ~(PAGE - 1);
            if (upTo > f.done) read(p, f, upTo, buf);
        }
    }

    private void read(Path p, Followed f, long upTo, ByteBuffer buf) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            while (f.done < upTo) {
                buf.clear();
                if (upTo - f.done < buf.capacity()) buf.limit((int) (upTo - f.done));
                int n = ch.read(buf, f.done);
                if (n <= 0) break;
                buf.flip();
                f.crc.update(buf);
                f.done += n;
                followedBytes += n;
            }
        }
    }

    /**
     * After CRIU ended: stops following, reads what each file gained since the last pass, and returns the sums of
     * exactly the files in {@code listed} (name → size), as {@link Crc32c#files} would.
     *
     * @throws UncheckedIOException when a file cannot be read
     */
    Map<String, Crc32c.Sum> finish(Map<String, Long> listed) {
        close();
        Map<String, Crc32c.Sum> out = new HashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer buf = arena.allocate(BUFFER, 4096).asByteBuffer();
            synchronized (this) {
                pass(buf, true);
                for (Map.Entry<String, Long> e : listed.entrySet()) {
                    Followed f = files.get(e.getKey());
                    if (f == null || f.done != e.getValue()) {
                        out.put(e.getKey(), Crc32c.chunk(dir.resolve(e.getKey()), 0, e.getValue()));
                    } else {
                        out.put(e.getKey(), new Crc32c.Sum(f.done, f.crc.getValue()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the image in " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Bytes checksummed while CRIU wrote (for the log). */
    public long followedBytes() { return followedBytes; }

    /** Stops following (idempotent); the sums gathered so far stay for {@link #finish}. */
    @Override
    public void close() {
        stop = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
