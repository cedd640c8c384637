package io.roam.nativebin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * roam's native helpers ({@code roam-init}, {@code roam-supervise}), built from src/main/c and shipped as resources
 * {@code io/roam/nativebin/NAME}. {@link #install} puts them on disk under a content-addressed name: a checkpointed
 * job maps its init binary by path, so that path must still hold the same bytes when the job is restored, even after
 * roam was rebuilt or upgraded.
 */
public final class NativeBinaries {
    public static final String INIT = "roam-init";
    public static final String SUPERVISE = "roam-supervise";
    private static final int HASH_CHARS = 12;

    private NativeBinaries() {}

    /** The packaged binary {@code name}; the caller closes the stream. */
    public static InputStream resource(String name) {
        InputStream in = NativeBinaries.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("native binary " + name + " is missing from roam-native: rebuild it"
                    + " (its Maven build runs make, which needs gcc and static glibc, e.g. apt-get install gcc libc6-dev)");
        }
        return in;
    }

    /**
     * Installs the packaged binary {@code name} as {@code libDir/NAME-HASH} (HASH: the first 12 hex digits of its
     * SHA-256), mode 0755, unless a file with that content is already there, and returns its path. The file appears
     * atomically (temp file + rename), so concurrent installers and crashes never leave a partial binary behind.
     */
    public static Path install(String name, Path libDir) {
        byte[] bytes = read(name);
        String hash = HexFormat.of().formatHex(sha256(bytes)).substring(0, HASH_CHARS);
        Path target = libDir.resolve(name + "-" + hash);
        try {
            if (Files.isRegularFile(target) && hasContent(target, bytes)) return target;
            Files.createDirectories(libDir);
            Path tmp = Files.createTempFile(libDir, "." + name + "-", ".tmp");
            try {
                Files.write(tmp, bytes);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                moveAtomically(tmp, target);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install " + name + " into " + libDir + ": " + e.getMessage(), e);
        }
    }

    private static boolean hasContent(Path file, byte[] expected) throws IOException {
        return Files.size(file) == expected.length && MessageDigest.isEqual(sha256(Files.readAllBytes(file)), sha256(expected));
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + to.getParent() + " cannot rename atomically", e);
        }
    }

    private static byte[] read(String name) {
        try (InputStream in = resource(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read native binary " + name + ": " + e.getMessage(), e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
