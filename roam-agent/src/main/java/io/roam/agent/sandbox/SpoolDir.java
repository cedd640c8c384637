package io.roam.agent.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * A job's spool directory: {@code out} and {@code err} (appended to, across restarts and restores), {@code exit}
 * (written by roam-init when the job ends) and {@code tmp/} (the job's TMPDIR). It belongs to the job's user, because
 * the whole job tree, init included, runs as that user.
 */
final class SpoolDir {
    static final String OUT = "out", ERR = "err", TMP = "tmp";

    private SpoolDir() {}

    /**
     * Creates the directory and its files, owned by the user, and removes a previous run's exit record. Answers a
     * reason when the user could not reach the directory (the init writes {@code exit} after dropping root).
     */
    static Optional<String> prepare(Path spool, UserAccess user) {
        try {
            Files.createDirectories(spool.getParent());
            Optional<Path> blocked = user.firstUnsearchableAncestor(spool);
            if (blocked.isPresent()) {
                return Optional.of("spool directory " + spool + " is not reachable by uid " + user.uid() + ": make "
                        + blocked.get() + " searchable (chmod o+x) or use a roam home the user can traverse");
            }
            Files.createDirectories(spool);
            own(spool, "rwxr-x---", user);
            Path tmp = spool.resolve(TMP);
            Files.createDirectories(tmp);
            own(tmp, "rwx------", user);
            for (String name : new String[] {OUT, ERR}) {
                Path file = spool.resolve(name);
                if (!Files.exists(file)) Files.createFile(file);
                own(file, "rw-r-----", user);
            }
            clearExit(spool);
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare spool directory " + spool + ": " + e.getMessage(), e);
        }
    }

    /** Removes {@code exit} and its temporary file: no exit record means "never ran, or still running". */
    static void clearExit(Path spool) {
        try {
            Files.deleteIfExists(spool.resolve(ExitRecords.EXIT_FILE));
            Files.deleteIfExists(spool.resolve(ExitRecords.EXIT_FILE + ".tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the exit record in " + spool + ": " + e.getMessage(), e);
        }
    }

    private static void own(Path path, String mode, UserAccess user) throws IOException {
        Files.setAttribute(path, "unix:uid", user.uid());
        Files.setAttribute(path, "unix:gid", user.gid());
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    }
}
