package io.roam.agent.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Permission checks on behalf of a job's user (the agent runs as root, so {@link Files#isExecutable} would answer
 * for root). Classic owner/group/other mode bits; ACLs are not consulted.
 */
record UserAccess(int uid, int gid, List<Integer> groups) {
    private static final int EXEC_OWNER = 0100, EXEC_GROUP = 0010, EXEC_OTHER = 0001;

    /** Whether the user may execute {@code file}: a regular file with the matching x bit (root: any x bit). */
    boolean canExecute(Path file) {
        return Files.isRegularFile(file) && hasExecBit(file);
    }

    /** Whether the user may traverse directory {@code dir} (its x bit; root may traverse any directory). */
    boolean canSearch(Path dir) {
        return Files.isDirectory(dir) && (uid == 0 || hasExecBit(dir));
    }

    private boolean hasExecBit(Path path) {
        Map<String, Object> attrs;
        try {
            attrs = Files.readAttributes(path, "unix:mode,uid,gid");
        } catch (IOException e) {
            return false;
        }
        int mode = (Integer) attrs.get("mode");
        if (uid == 0) return (mode & (EXEC_OWNER | EXEC_GROUP | EXEC_OTHER)) != 0;
        if ((Integer) attrs.get("uid") == uid) return (mode & EXEC_OWNER) != 0;
        int fileGid = (Integer) attrs.get("gid");
        if (fileGid == gid || groups.contains(fileGid)) return (mode & EXEC_GROUP) != 0;
        return (mode & EXEC_OTHER) != 0;
    }

    /** The first directory from the root down to {@code path}'s (existing) parent that the user cannot traverse, if any. */
    Optional<Path> firstUnsearchableAncestor(Path path) {
        Path parent = path.toAbsolutePath().normalize().getParent();
        if (parent == null) return Optional.empty();
        Path current = parent.getRoot();
        for (Path part : parent) {
            if (!canSearch(current)) return Optional.of(current);
            current = current.resolve(part);
        }
        return canSearch(current) ? Optional.empty() : Optional.of(current);
    }
}
