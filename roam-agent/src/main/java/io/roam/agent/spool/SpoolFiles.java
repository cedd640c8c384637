package io.roam.agent.spool;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.roam.proto.SpoolChunk;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/** Reading a spool directory into chunks and writing chunks back into one, with owners, modes and checksums. */
final class SpoolFiles {
    static final int CHUNK = 1 << 20;
    private static final Duration STALL = Duration.ofMinutes(2);

    private SpoolFiles() {}

    record Received(int files, long bytes) {}

    /** Streams every directory and regular file below {@code spool} (marks excepted; symlinks and others skipped), in order. */
    static void send(Path spool, ServerCallStreamObserver<SpoolChunk> obs) throws IOException, InterruptedException {
        Semaphore ready = new Semaphore(0);
        obs.setOnReadyHandler(ready::release);
        List<Path> entries;
        try (Stream<Path> s = Files.walk(spool)) {
            entries = s.filter(p -> !p.equals(spool)).filter(p -> !p.getFileName().toString().startsWith(SpoolService.MARK_PREFIX))
                    .sorted().toList();
        }
        put(obs, ready, meta(SpoolChunk.newBuilder().setPath(".").setDirectory(true), spool).build()); // the directory itself
        byte[] buf = new byte[CHUNK];
        for (Path p : entries) {
            String rel = spool.relativize(p).toString();
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                put(obs, ready, meta(SpoolChunk.newBuilder().setPath(rel).setDirectory(true), p).build());
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                CRC32C crc = new CRC32C();
                long size = 0;
                try (InputStream in = Files.newInputStream(p)) {
                    boolean first = true;
                    while (true) {
                        int n = in.readNBytes(buf, 0, buf.length);
                        crc.update(buf, 0, n);
                        size += n;
                        boolean last = n < buf.length;
                        SpoolChunk.Builder c = SpoolChunk.newBuilder().setPath(rel).setData(ByteString.copyFrom(buf, 0, n));
                        if (first) meta(c, p);
                        if (last) c.setLast(true).setCrc32C((int) crc.getValue()).setSize(size);
                        put(obs, ready, c.build());
                        first = false;
                        if (last) break;
                    }
                }
            }
        }
    }

    private static void put(ServerCallStreamObserver<SpoolChunk> obs, Semaphore ready, SpoolChunk c) throws InterruptedException, IOException {
        while (!obs.isReady()) {
            if (obs.isCancelled()) throw new IOException("the target cancelled the transfer");
            if (!ready.tryAcquire(STALL.toMillis(), TimeUnit.MILLISECONDS) && !obs.isReady()) throw new IOException("the target stopped reading");
        }
        obs.onNext(c);
    }

    private static SpoolChunk.Builder meta(SpoolChunk.Builder c, Path p) throws IOException {
        return c.setMode(mode(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)))
                .setUid((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS))
                .setGid((Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * Writes the chunks into a scratch directory beside {@code spool}, checks every file's size and CRC32C, and only then
     * puts the copy in place of {@code spool} (a stale copy there from an earlier stay is replaced). Nothing is left
     * behind on failure.
     */
    static Received receive(Path spool, String token, Iterator<SpoolChunk> chunks) throws IOException {
        Path scratch = spool.resolveSibling("." + spool.getFileName() + ".incoming-" + token);
        deleteTree(scratch);
        Files.createDirectories(scratch);
        try {
            int files = 0;
            long bytes = 0;
            OutputStream out = null;
            Path current = null;
            CRC32C crc = new CRC32C();
            long size = 0;
            try {
                while (chunks.hasNext()) {
                    SpoolChunk c = chunks.next();
                    if (c.getDirectory() && c.getPath().equals(".")) {
                        own(scratch, c);
                        continue;
                    }
                    Path p = inside(scratch, c.getPath());
                    if (c.getDirectory()) {
                        Files.createDirectories(p);
                        own(p, c);
                        continue;
                    }
                    if (!p.equals(current)) {
                        if (out != null) throw new IOException(current.getFileName() + " arrived incomplete");
                        Files.createDirectories(p.getParent());
                        out = Files.newOutputStream(p);
                        own(p, c);
                        current = p;
                        crc.reset();
                        size = 0;
                    }
                    c.getData().writeTo(out);
                    crc.update(c.getData().asReadOnlyByteBuffer());
                    size += c.getData().size();
                    if (c.getLast()) {
                        out.close();
                        out = null;
                        current = null;
                        if (size != c.getSize() || (int) crc.getValue() != c.getCrc32C()) {
                            throw new IOException(c.getPath() + " arrived corrupt (checksum mismatch)");
                        }
                        files++;
                        bytes += size;
                    }
                }
                if (out != null) throw new IOException(current.getFileName() + " arrived incomplete");
            } finally {
                if (out != null) out.close();
            }
            deleteTree(spool);
            Files.createDirectories(spool.getParent());
            Files.move(scratch, spool, StandardCopyOption.ATOMIC_MOVE);
            return new Received(files, bytes);
        } finally {
            deleteTree(scratch);
        }
    }

    /** {@code rel} resolved below {@code dir}; refuses paths that would leave it. */
    static Path inside(Path dir, String rel) {
        Path p = dir.resolve(rel).normalize();
        if (rel.isEmpty() || rel.startsWith("/") || !p.startsWith(dir) || p.equals(dir)) throw new IllegalArgumentException("invalid path in the spool: " + rel);
        return p;
    }

    private static void own(Path p, SpoolChunk c) throws IOException {
        Files.setAttribute(p, "unix:uid", c.getUid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", c.getGid(), LinkOption.NOFOLLOW_LINKS);
        Files.setPosixFilePermissions(p, permissions(c.getMode()));
    }

    static void removeMarks(Path spool) throws IOException {
        try (Stream<Path> s = Files.list(spool)) {
            for (Path p : s.filter(x -> x.getFileName().toString().startsWith(SpoolService.MARK_PREFIX)).toList()) Files.deleteIfExists(p);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static final PosixFilePermission[] BITS = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};

    static int mode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (int i = 0; i < BITS.length; i++) if (perms.contains(BITS[i])) m |= 1 << i;
        return m;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BITS.length; i++) if ((mode & (1 << i)) != 0) out.add(BITS[i]);
        return out;
    }
}
