package io.roam.criu;

import io.roam.criu.image.ProcessTree;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One criu dump at a time per working directory, machine-wide.
 *
 * <p>CRIU's parasite, in a task whose {@code /proc} is not its own PID namespace's (every roam job: it has its own
 * PID namespace and sees the host's {@code /proc}), mounts a private procfs on {@code proc.crtools} in the task's
 * working directory, then removes it (criu/pie/parasite.c, get_proc_fd). Two dumps of tasks that share a working
 * directory, at the same moment, collide there: the second one's mkdir fails with EEXIST and its dump fails ("Can't
 * create a directory (-17)"). Seen here with two jobs started from {@code /} dumped by two agents at once. So a dump
 * holds, for every working directory of its tree, a lock file under {@code /run/roam-criu-locks} (agents of several
 * clusters on one machine share it) and an in-process lock (a JVM cannot hold one file lock twice).
 */
final class CwdLocks implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CwdLocks.class);
    static final Path DIR = Path.of("/run/roam-criu-locks");
    private static final ConcurrentHashMap<String, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    static final String PARASITE_DIR = "proc.crtools";
    private final List<ReentrantLock> held = new ArrayList<>();
    private final List<FileChannel> files = new ArrayList<>();
    private final List<Path> locked = new ArrayList<>();

    private CwdLocks() {}

    /** Locks the working directories of the tree under {@code rootPid} (in name order: no deadlock), waiting for other dumps. */
    static CwdLocks acquire(long rootPid) {
        TreeSet<String> cwds = new TreeSet<>();
        for (long pid : ProcessTree.pids(rootPid)) {
            try {
                cwds.add(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")).toString());
            } catch (IOException | UnsupportedOperationException e) {
                // exited, or not ours to read: criu will say so
            }
        }
        return acquire(cwds);
    }

    static CwdLocks acquire(Iterable<String> cwds) {
        CwdLocks l = new CwdLocks();
        try {
            for (String cwd : cwds) l.lock(cwd);
            return l;
        } catch (RuntimeException e) {
            l.close();
            throw e;
        }
    }

    private void lock(String cwd) {
        String key = key(cwd);
        ReentrantLock mine = IN_PROCESS.computeIfAbsent(key, k -> new ReentrantLock());
        mine.lock();
        held.add(mine);
        try {
            Files.createDirectories(DIR, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            FileChannel ch = FileChannel.open(DIR.resolve(key + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            files.add(ch);
            FileLock unused = ch.lock();   // released when the channel closes
            locked.add(Path.of(cwd));
        } catch (IOException e) {
            // other machines' agents cannot collide with us; other agents here can: say so, and go on
            log.warn("no machine-wide lock for dumps of tasks in {} ({}): concurrent dumps there may fail", cwd, e.toString());
        }
    }

    /**
     * Removes an empty {@code proc.crtools} left in a locked directory by a dump that was killed between the parasite's
     * mkdir and rmdir: with it there, every later dump of a task in that directory fails. Only under the lock, so no
     * dump of ours is using it.
     */
    void clearLeftovers() {
        for (Path cwd : locked) {
            Path p = cwd.resolve(PARASITE_DIR);
            if (!Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
            try {
                Files.delete(p);   // only an empty directory goes; a mount point or anything in it stays
                log.warn("removed {}, left by a criu dump that did not finish: it would fail every dump of a task in {}", p, cwd);
            } catch (IOException e) {
                log.warn("{} is in the way of criu's parasite and cannot be removed: {}", p, e.toString());
            }
        }
    }

    static String key(String cwd) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(cwd.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        for (FileChannel ch : files) {
            try {
                ch.close();
            } catch (IOException e) {
                // the lock goes with the descriptor
            }
        }
        files.clear();
        for (int i = held.size() - 1; i >= 0; i--) held.get(i).unlock();
        held.clear();
    }
}
