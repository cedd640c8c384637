package io.roam.criu.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The files CRIU left in an image directory, each with its inode, size and change time, taken when the dump ended
 * and before the checkpoint is answered. A seal that runs after the answer compares them with the files once it has
 * read them: a file written, truncated, replaced, added or removed in between is refused rather than sealed as
 * CRIU's own ({@link ImageManifests#writeOnThisThread(Path, ManifestInputs, FileStamps)}).
 *
 * <p>Every write, truncation or rename moves a file's change time, and user space cannot set it back. Since Linux
 * 6.13 a file whose change time was read (as here) gets a fine-grained one at its next change (multigrain
 * timestamps, on ext4, xfs, btrfs and tmpfs), so even a change within microseconds of CRIU's last write shows; on
 * older kernels one within the same clock tick goes unseen.
 */
public record FileStamps(Map<String, Stamp> files) {
    /** What a refused seal leaves instead of the manifest: the reason, in one line. */
    public static final String REFUSED = "manifest.refused";

    /** A seal refused because a file changed after the dump; its message is the reason. */
    public static final class Changed extends IllegalStateException {
        Changed(String why) { super(why); }
    }

    /** One file's identity and state. */
    public record Stamp(long inode, long size, long ctimeNanos) {}

    public FileStamps {
        files = Map.copyOf(files);
    }

    /** The stamps of every file the manifest covers in {@code dir}. */
    public static FileStamps of(Path dir) {
        Map<String, Stamp> out = new TreeMap<>();
        for (Map.Entry<String, Path> e : ImageManifests.coveredFiles(dir).entrySet()) {
            Map<String, Object> a;
            try {
                a = Files.readAttributes(e.getValue(), "unix:ino,size,ctime");
            } catch (java.nio.file.NoSuchFileException gone) {
                continue;   // removed since the listing: told apart by changedIn
            } catch (IOException x) {
                throw new UncheckedIOException("cannot stat " + e.getValue(), x);
            }
            out.put(e.getKey(), new Stamp((Long) a.get("ino"), (Long) a.get("size"), ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS)));
        }
        return new FileStamps(out);
    }

    /** The first file of {@code dir} that is not as these stamps found it, and how, in one line; empty when none. */
    public Optional<String> changedIn(Path dir) {
        Map<String, Stamp> now = of(dir).files();
        var names = new TreeSet<>(files.keySet());
        names.addAll(now.keySet());
        for (String name : names) {
            Stamp then = files.get(name), is = now.get(name);
            if (then == null) return Optional.of(name + " appeared in the image after its dump, before roam sealed it");
            if (is == null) return Optional.of(name + " was removed from the image after its dump, before roam sealed it");
            if (is.inode() != then.inode()) return Optional.of(name + " was replaced after its dump, before roam sealed it");
            if (is.size() < then.size()) {
                return Optional.of(name + " was truncated after its dump, before roam sealed it: " + is.size() + " of " + then.size() + " bytes");
            }
            if (is.size() != then.size() || is.ctimeNanos() != then.ctimeNanos()) {
                return Optional.of(name + " was changed after its dump, before roam sealed it: its bytes are not CRIU's (corrupt)");
            }
        }
        return Optional.empty();
    }

    /** Writes the reason a seal of {@code dir} was refused in place of its manifest, then throws it as {@link Changed}. */
    static void refuse(Path dir, String why) {
        try {
            Files.writeString(dir.resolve(REFUSED), why + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(REFUSED) + " (" + why + ")", e);
        }
        throw new Changed(why);
    }

    /** Why the seal of {@code dir} was refused, if it was. */
    static Optional<String> refusal(Path dir) {
        try {
            return Optional.of(Files.readString(dir.resolve(REFUSED)).strip());
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot read " + dir.resolve(REFUSED) + ": " + e.getMessage());
        }
    }
}
