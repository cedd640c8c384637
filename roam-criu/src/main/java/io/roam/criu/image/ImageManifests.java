package io.roam.criu.image;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.roam.criu.CriuInfo;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The integrity record of an image directory: {@code manifest.pb}, a signed {@link Manifest} with the size and
 * CRC32C of every image file, the CRIU version, kernel, architecture and the files the job had mapped.
 * {@link #write} runs after a dump; {@link #verify} runs before every restore, before CRIU sees the image.
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

    /**
     * Checks an image before a restore: the manifest exists and was signed with {@code hmacKey} by cluster
     * {@code clusterId}; this machine's CRIU and architecture can restore it; every file is present with its size
     * and checksum and no unknown {@code *.img} file was added; the files the job had mapped did not change here.
     */
    public static Verification verify(Path imageDir, String clusterId, byte[] hmacKey, CriuInfo here) {
        return verify(imageDir, clusterId, hmacKey, here, name -> true);
    }

    /** A file's length and CRC32C as its receiver wrote it (checksummed from the bytes in hand, not read back). */
    public record Written(long size, long crc32c) {}

    /**
     * Like {@link #verify}, for an image that was just received: the checksums of the files in {@code written}
     * (every byte of each went through the receiver's CRC32C on its way to the file) are compared with the manifest
     * without reading the files back; any other file is read. The restore's page check reads the pages from disk
     * again ({@link #checkPages}).
     */
    public static Verification verifyReceived(Path imageDir, String clusterId, byte[] hmacKey, CriuInfo here, Map<String, Written> written) {
        return verify(imageDir, clusterId, hmacKey, here, name -> true, written);
    }

    /**
     * Like {@link #verify}, except for the checksums of CRIU's page data ({@code pages-*.img}, nearly all of a big
     * image): {@link #checkPages} checks those, for example while CRIU restores the tree stopped. Everything that makes
     * an image foreign, truncated, incomplete or stale here is refused before CRIU reads it.
     */
    public static Verification verifyAllButPages(Path imageDir, String clusterId, byte[] hmacKey, CriuInfo here) {
        return verify(imageDir, clusterId, hmacKey, here, name -> !isPages(name));
    }

    /**
     * The checksums of the page files of a manifest {@link #verifyAllButPages} accepted: a reason, or empty. It runs
     * beside CRIU's restore, so it leaves CRIU a core: on every core but one (at least one).
     */
    public static Optional<String> checkPages(Path imageDir, Manifest m) {
        return checkSums(imageDir, m, ImageManifests::isPages, Math.max(1, Runtime.getRuntime().availableProcessors() - 1));
    }

    static boolean isPages(String name) { return name.startsWith("pages-") && name.endsWith(".img"); }

    private static Verification verify(Path imageDir, String clusterId, byte[] hmacKey, CriuInfo here, Predicate<String> summed) {
        return verify(imageDir, clusterId, hmacKey, here, summed, Map.of());
    }

    private static Verification verify(Path imageDir, String clusterId, byte[] hmacKey, CriuInfo here, Predicate<String> summed,
                                       Map<String, Written> written) {
        Path file = imageDir.resolve(MANIFEST);
        Optional<String> unsealed = unsealed(imageDir);
        if (unsealed.isPresent()) return new Rejected(unsealed.get());
        Manifest m;
        try {
            m = Manifest.parseFrom(Files.readAllBytes(file));
        } catch (InvalidProtocolBufferException e) {
            return new Rejected("not a roam image: " + file + " cannot be parsed");
        } catch (IOException e) {
            return new Rejected("cannot read " + file + ": " + e.getMessage());
        }
        if (m.getFormat() != FORMAT) {
            return new Rejected("not a roam image: " + file + " has format " + m.getFormat() + ", this roam reads format " + FORMAT);
        }
        return checkOrigin(m, clusterId, hmacKey, here)
                .or(() -> checkFiles(imageDir, m))
                .or(() -> MappedFileCheck.firstChange(m.getMappedFilesList()))
                .or(() -> checkSums(imageDir, m, summed, Runtime.getRuntime().availableProcessors(), written))
                .<Verification>map(Rejected::new)
                .orElseGet(() -> new Verified(m));
    }

    /** Why {@code imageDir} has no manifest, when it has none (its seal was refused, or it never ran); empty when it has one. */
    public static Optional<String> unsealed(Path imageDir) {
        if (Files.isRegularFile(imageDir.resolve(MANIFEST))) return Optional.empty();
        return Optional.of(FileStamps.refusal(imageDir).map(why -> "the image was never sealed: " + why)
                .orElse("not a roam image: " + imageDir + " has no " + MANIFEST));
    }

    private static Optional<String> checkOrigin(Manifest m, String clusterId, byte[] key, CriuInfo here) {
        if (!m.getClusterId().equals(clusterId)) {
            return Optional.of("foreign image: made by cluster " + m.getClusterId() + ", this is cluster " + clusterId);
        }
        if (!ManifestSignature.valid(m, key)) {
            return Optional.of("foreign image: the manifest's signature does not match the key of cluster " + clusterId
                    + " (made elsewhere or altered)");
        }
        if (!m.getArch().equals(here.arch())) {
            return Optional.of("image is for " + m.getArch() + ", this machine is " + here.arch());
        }
        if (CriuInfo.major(m.getCriuVersion()) > here.major()) {
            return Optional.of("image was made by CRIU " + m.getCriuVersion() + ", this machine has the older CRIU "
                    + here.version() + ": upgrade CRIU here");
        }
        return Optional.empty();
    }

    private static Optional<String> checkFiles(Path dir, Manifest m) {
        Map<String, Long> listed;
        try {
            listed = list(dir);
        } catch (UncheckedIOException e) {
            return Optional.of("cannot list " + dir + ": " + e.getCause().getMessage());
        }
        for (ImageFile f : m.getFilesList()) {
            Long size = listed.get(f.getName());
            if (size == null) return Optional.of(f.getName() + " is missing from the image");
            if (size < f.getSize()) return Optional.of(f.getName() + " is truncated: " + size + " of " + f.getSize() + " bytes");
            if (size > f.getSize()) return Optional.of(f.getName() + " has " + size + " bytes, expected " + f.getSize());
        }
        var expected = m.getFilesList().stream().map(ImageFile::getName).toList();
        return listed.keySet().stream().filter(n -> n.endsWith(".img") && !expected.contains(n)).sorted().findFirst()
                .map(n -> "unexpected file " + n + " in the image (not in the manifest)");
    }

    private static Optional<String> checkSums(Path dir, Manifest m, Predicate<String> which, int threads) {
        return checkSums(dir, m, which, threads, Map.of());
    }

    private static Optional<String> checkSums(Path dir, Manifest m, Predicate<String> which, int threads, Map<String, Written> written) {
        Map<String, Long> sizes = new TreeMap<>();
        Map<String, Crc32c.Sum> sums = new HashMap<>();
        for (ImageFile f : m.getFilesList()) {
            if (!which.test(f.getName())) continue;
            Written w = written.get(f.getName());
            if (w != null && w.size() == f.getSize()) sums.put(f.getName(), new Crc32c.Sum(w.size(), w.crc32c()));
            else sizes.put(f.getName(), f.getSize());
        }
        try {
            sums.putAll(Crc32c.files(dir, sizes, threads));
        } catch (UncheckedIOException e) {
            return Optional.of("cannot read the image in " + dir + ": " + e.getMessage());
        }
        for (ImageFile f : m.getFilesList()) {
            Crc32c.Sum s = sums.get(f.getName());
            if (s == null) continue; // not asked for
            if (s.size() != f.getSize()) return Optional.of(f.getName() + " is truncated: " + s.size() + " of " + f.getSize() + " bytes");
            if (!s.hex().equals(f.getCrc32C())) return Optional.of(f.getName() + " is corrupt (checksum mismatch)");
        }
        return Optional.empty();
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
