package io.roam.criu.image;

import com.google.protobuf.InvalidProtocolBufferException;
import io.roam.criu.CriuInfo;
import io.roam.proto.ImageFile;
import io.roam.proto.Manifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The checks of an image against its {@link ImageManifests manifest} before a restore, before CRIU sees the image:
 * the manifest is this cluster's and signed with its key, this machine's CRIU and architecture can restore it, every
 * file is there with its size and CRC32C and none was added, and the files the job had mapped did not change.
 */
public final class ImageChecks {
    private ImageChecks() {}

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
        return checkSums(imageDir, m, ImageChecks::isPages, Math.max(1, Runtime.getRuntime().availableProcessors() - 1));
    }

    static boolean isPages(String name) { return name.startsWith("pages-") && name.endsWith(".img"); }

    private static Verification verify(Path imageDir, String clusterId, byte[] hmacKey, CriuInfo here, Predicate<String> summed) {
        return verify(imageDir, clusterId, hmacKey, here, summed, Map.of());
    }

    private static Verification verify(Path imageDir, String clusterId, byte[] hmacKey, CriuInfo here, Predicate<String> summed,
                                       Map<String, Written> written) {
        Path file = imageDir.resolve(ImageManifests.MANIFEST);
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
        if (m.getFormat() != ImageManifests.FORMAT) {
            return new Rejected("not a roam image: " + file + " has format " + m.getFormat() + ", this roam reads format " + ImageManifests.FORMAT);
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
        if (Files.isRegularFile(imageDir.resolve(ImageManifests.MANIFEST))) return Optional.empty();
        return Optional.of(FileStamps.refusal(imageDir).map(why -> "the image was never sealed: " + why)
                .orElse("not a roam image: " + imageDir + " has no " + ImageManifests.MANIFEST));
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
            listed = ImageManifests.list(dir);
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
}
