package io.roam.criu.image;

import com.google.protobuf.ByteString;
import io.roam.criu.sys.ProcFs;
import io.roam.proto.ImageFile;
import io.roam.proto.Manifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The integrity record of an image directory: {@code manifest.pb}, a signed {@link Manifest} with the size and
 * CRC32C of every image file, the CRIU version, kernel, architecture and the files the job had mapped.
 * {@link #write} runs after a dump; {@link ImageChecks#verify} runs before every restore, before CRIU sees the image.
 */
public final class ImageManifests {
    public static final String MANIFEST = "manifest.pb";
    public static final int FORMAT = 1;
    private static final Logger log = LoggerFactory.getLogger(ImageManifests.class);
    private static final String TMP = MANIFEST + ".tmp";
    /** Written by a restore into the image directory; not part of the image. */
    private static final List<String> RESTORE_OUTPUTS = List.of("restore.pid", "stats-restore");

    private ImageManifests() {}

    /** How far {@link #write} takes an image to disk. */
    public enum Durability {
        /**
         * Nothing is fsynced; the manifest is renamed into place atomically. After a power loss the image is refused
         * (no manifest, or a checksum that no longer matches), never restored wrong. For checkpoints that a running
         * job or a migration outlives.
         */
        CACHED,
        /** Every image file, the manifest and the directory are fsynced: the image survives a power loss (sleep). */
        SYNCED
    }

    /** {@link #write(Path, ManifestInputs, Durability)} with {@link Durability#CACHED}. */
    public static Manifest write(Path imageDir, ManifestInputs in) { return write(imageDir, in, Durability.CACHED); }

    /**
     * Checksums every file of {@code imageDir} (except the manifest, {@code *.log} files and restore outputs),
     * signs the manifest and writes it atomically (temporary file, rename), to disk as {@code durability} says.
     *
     * @throws UncheckedIOException when the directory cannot be read or the manifest cannot be written
     */
    public static Manifest write(Path imageDir, ManifestInputs in, Durability durability) { return write(imageDir, in, durability, null); }

    /**
     * Like {@link #write(Path, ManifestInputs, Durability)}, with the sums {@code followed} gathered while CRIU wrote
     * the image (null: checksum every file now).
     */
    public static Manifest write(Path imageDir, ManifestInputs in, Durability durability, SealFollower followed) {
        return write(imageDir, in, durability, followed, false, null);
    }

    /**
     * Like {@link #write(Path, ManifestInputs, Durability)} (not synced), checksumming on the calling thread only: the
     * seal of an image after its checkpoint was answered, on a thread of its own that leaves the daemon's cores free.
     */
    public static Manifest writeOnThisThread(Path imageDir, ManifestInputs in) {
        return write(imageDir, in, Durability.CACHED, null, true, null);
    }

    /**
     * Like {@link #writeOnThisThread(Path, ManifestInputs)}, for an image whose files were stamped when CRIU was done
     * ({@code dumped}): when a file is not as it was then, no manifest is written but the reason
     * ({@link FileStamps#refuse}), and a restore is refused with it.
     *
     * @throws FileStamps.Changed when a file changed after the dump
     */
    public static Manifest writeOnThisThread(Path imageDir, ManifestInputs in, FileStamps dumped) {
        return write(imageDir, in, Durability.CACHED, null, true, dumped);
    }

    private static Manifest write(Path imageDir, ManifestInputs in, Durability durability, SealFollower followed, boolean thisThread,
                                  FileStamps dumped) {
        long t0 = System.nanoTime();
        Map<String, Long> listed = list(imageDir);
        Map<String, Crc32c.Sum> sums = followed != null ? followed.finish(listed)
                : thisThread ? Crc32c.filesOnThisThread(imageDir, listed) : Crc32c.files(imageDir, listed);
        // after the read: a file that changed before or while it was read no longer has the stamp of the dump
        if (dumped != null) dumped.changedIn(imageDir).ifPresent(why -> FileStamps.refuse(imageDir, why));
        Manifest.Builder b = Manifest.newBuilder()
                .setFormat(FORMAT)
                .setCheckpointId(in.checkpointId())
                .setJobId(in.jobId())
                .setClusterId(in.clusterId())
                .setNode(in.node())
                .setCreatedMs(System.currentTimeMillis())
                .setCriuVersion(in.criu().version())
                .setKernel(in.criu().kernel())
                .setArch(in.criu().arch())
                .addAllCpuFlags(cpuFlags())
                .addAllMappedFiles(in.mappedFiles())
                .setSpec(in.spec())
                .setLeaveRunning(in.leaveRunning())
                .setDumpMs(in.dumpMs());
        long bytes = 0;
        for (var e : new TreeMap<>(sums).entrySet()) {
            b.addFiles(ImageFile.newBuilder().setName(e.getKey()).setSize(e.getValue().size()).setCrc32C(e.getValue().hex()));
            bytes += e.getValue().size();
        }
        Manifest unsigned = b.build();
        Manifest signed = unsigned.toBuilder().setHmac(ByteString.copyFrom(ManifestSignature.sign(unsigned, in.hmacKey()))).build();
        if (durability == Durability.SYNCED) syncFiles(imageDir, sums.keySet());
        writeAtomically(imageDir, ManifestSignature.canonical(signed), durability == Durability.SYNCED);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        log.info("manifest of {} written: {} files, {} MB checksummed in {} ms{}", in.checkpointId(), sums.size(),
                bytes >> 20, ms, followed == null ? "" : " (" + (followed.followedBytes() >> 20) + " MB of it while CRIU wrote)");
        return signed;
    }

    /** Files covered by the manifest: name relative to {@code dir} (with '/') → size. */
    static Map<String, Long> list(Path dir) {
        Map<String, Long> out = new TreeMap<>();
        try {
            for (Map.Entry<String, Path> e : coveredFiles(dir).entrySet()) out.put(e.getKey(), Files.size(e.getValue()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list image directory " + dir, e);
        }
        return out;
    }

    /** The regular files of {@code dir} that the manifest covers: name relative to {@code dir} (with '/') → path, in name order. */
    static Map<String, Path> coveredFiles(Path dir) {
        Map<String, Path> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (!Files.isRegularFile(p)) continue;
                String name = dir.relativize(p).toString();
                if (covered(name)) out.put(name, p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list image directory " + dir, e);
        }
        return out;
    }

    static boolean covered(String name) {
        return !name.equals(MANIFEST) && !name.equals(TMP) && !name.equals(FileStamps.REFUSED) && !name.endsWith(".log")
                && !RESTORE_OUTPUTS.contains(name);
    }

    private static void syncFiles(Path dir, Iterable<String> names) {
        for (String name : names) {
            try (FileChannel ch = FileChannel.open(dir.resolve(name), StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot sync " + dir.resolve(name), e);
            }
        }
    }

    private static void writeAtomically(Path dir, byte[] bytes, boolean sync) {
        Path tmp = dir.resolve(TMP);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
                if (sync) ch.force(true);
            }
            Files.move(tmp, dir.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (sync) {
                try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                    d.force(true);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(MANIFEST), e);
        }
    }

    private static volatile List<String> cpuFlags;

    /** The CPU's feature flags, read once: they do not change while the machine runs. */
    private static List<String> cpuFlags() {
        List<String> f = cpuFlags;
        if (f == null) cpuFlags = f = readCpuFlags();
        return f;
    }

    private static List<String> readCpuFlags() {
        for (String line : ProcFs.lines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("flags") || line.startsWith("Features")) {
                int c = line.indexOf(':');
                if (c > 0) return Arrays.stream(line.substring(c + 1).trim().split("\\s+")).filter(s -> !s.isEmpty()).sorted().toList();
            }
        }
        return List.of();
    }
}
