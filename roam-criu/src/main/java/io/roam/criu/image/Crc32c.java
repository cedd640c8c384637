package io.roam.criu.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.zip.CRC32C;

/**
 * CRC32C of whole files, in parallel: every file is cut into chunks, each chunk is checksummed on a virtual thread
 * (at most one per core at a time, bounded by a semaphore) with the JDK's hardware-accelerated {@link CRC32C}, and
 * the chunk checksums are combined. About 6 GB/s per core from the page cache.
 */
final class Crc32c {
    static final int CHUNK = 16 << 20;
    private static final int BUFFER = 1 << 20;
    private static final long POLY = 0x82F63B78L; // CRC32C (Castagnoli), reflected

    /** Size and checksum of one file. {@code size} is the number of bytes actually read. */
    record Sum(long size, long crc) {
        String hex() { return String.format("%08x", crc); }
    }

    private record Chunk(String name, long offset, long length) {}

    private Crc32c() {}

    /** Checksums the files {@code names} (relative to {@code dir}, with their expected sizes) on every core. */
    static Map<String, Sum> files(Path dir, Map<String, Long> sizes) {
        return files(dir, sizes, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Checksums the files one after another on the calling thread: for a seal in the background, which must not take
     * the carrier threads that the daemon's virtual threads (its gRPC calls) run on.
     */
    static Map<String, Sum> filesOnThisThread(Path dir, Map<String, Long> sizes) {
        Map<String, Sum> out = new LinkedHashMap<>();
        for (var e : sizes.entrySet()) {
            try {
                out.put(e.getKey(), chunk(dir.resolve(e.getKey()), 0, e.getValue()));
            } catch (IOException io) {
                throw new UncheckedIOException(io.getMessage(), io);
            }
        }
        return out;
    }

    /** Checksums the files {@code names} (relative to {@code dir}, with their expected sizes) on at most {@code threads} at once. */
    static Map<String, Sum> files(Path dir, Map<String, Long> sizes, int threads) {
        List<Chunk> chunks = new ArrayList<>();
        sizes.forEach((name, size) -> {
            if (size == 0) chunks.add(new Chunk(name, 0, 0));
            for (long off = 0; off < size; off += CHUNK) chunks.add(new Chunk(name, off, Math.min(CHUNK, size - off)));
        });
        Semaphore cores = new Semaphore(Math.max(1, threads));
        List<Future<Sum>> parts = new ArrayList<>(chunks.size());
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Chunk c : chunks) {
                parts.add(executor.submit(() -> {
                    cores.acquire();
                    try {
                        return chunk(dir.resolve(c.name()), c.offset(), c.length());
                    } finally {
                        cores.release();
                    }
                }));
            }
            Map<String, Sum> out = new LinkedHashMap<>();
            for (int i = 0; i < chunks.size(); i++) {
                Sum part = get(parts.get(i));
                out.merge(chunks.get(i).name(), part, (a, b) -> new Sum(a.size() + b.size(), combine(a.crc(), b.crc(), b.size())));
            }
            return out;
        }
    }

    private static Sum get(Future<Sum> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checksumming an image", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw new UncheckedIOException(io.getMessage(), io);
            if (e.getCause() instanceof UncheckedIOException uio) throw uio;
            throw new IllegalStateException("checksum failed", e.getCause());
        }
    }

    /** CRC32C of {@code length} bytes at {@code offset}; stops early (with a smaller size) at end of file. */
    static Sum chunk(Path file, long offset, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            ByteBuffer buf = arena.allocate(BUFFER, 4096).asByteBuffer();
            CRC32C crc = new CRC32C();
            long done = 0;
            while (done < length) {
                buf.clear();
                if (length - done < buf.capacity()) buf.limit((int) (length - done));
                int n = ch.read(buf, offset + done);
                if (n < 0) break;
                buf.flip();
                crc.update(buf);
                done += n;
            }
            return new Sum(done, crc.getValue());
        }
    }

    /** CRC32C of A‖B from crc(A), crc(B) and |B| (zlib's crc32_combine, with the Castagnoli polynomial). */
    static long combine(long crc1, long crc2, long len2) {
        if (len2 <= 0) return crc1;
        long[] even = new long[32];
        long[] odd = new long[32];
        odd[0] = POLY;
        long row = 1;
        for (int n = 1; n < 32; n++) {
            odd[n] = row;
            row <<= 1;
        }
        square(even, odd);
        square(odd, even);
        do {
            square(even, odd);
            if ((len2 & 1) != 0) crc1 = times(even, crc1);
            len2 >>= 1;
            if (len2 == 0) break;
            square(odd, even);
            if ((len2 & 1) != 0) crc1 = times(odd, crc1);
            len2 >>= 1;
        } while (len2 != 0);
        return crc1 ^ crc2;
    }

    private static long times(long[] mat, long vec) {
        long sum = 0;
        for (int i = 0; vec != 0; i++, vec >>>= 1) if ((vec & 1) != 0) sum ^= mat[i];
        return sum;
    }

    private static void square(long[] square, long[] mat) {
        for (int n = 0; n < 32; n++) square[n] = times(mat, mat[n]);
    }
}
