package io.roam.criu;

import io.roam.criu.image.ProcessTree;
import io.roam.criu.sys.Libc;
import io.roam.criu.sys.ProcFs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Makes sure a job is not left frozen when CRIU is killed mid-dump. CRIU freezes with ptrace (PTRACE_SEIZE +
 * PTRACE_INTERRUPT); when the tracer dies, the kernel detaches its tracees, but a task that CRIU had put into a
 * group stop stays stopped. So: wait until no task is traced by the dead criu any more, then SIGCONT every task that
 * is stopped now and was not stopped before the dump.
 */
final class TreeThaw {
    private static final Logger log = LoggerFactory.getLogger(TreeThaw.class);
    private static final long DETACH_WAIT_MS = 2_000;

    private final long root;
    private final Set<Long> stoppedBefore = new HashSet<>();
    private final Set<Long> before = new LinkedHashSet<>();

    private TreeThaw(long root) { this.root = root; }

    /** Remembers the tree and which of its tasks were stopped before CRIU touched it. */
    static TreeThaw snapshot(long root) {
        TreeThaw t = new TreeThaw(root);
        for (long pid : ProcessTree.pids(root)) {
            t.before.add(pid);
            if (ProcFs.stat(pid).map(ProcFs.Stat::stopped).orElse(false)) t.stoppedBefore.add(pid);
        }
        return t;
    }

    /** Call after criu ({@code criuPid}) was killed and reaped. Returns the pids that were continued. */
    List<Long> thaw(long criuPid) {
        Set<Long> pids = new LinkedHashSet<>(before);
        pids.addAll(ProcessTree.pids(root));
        long deadline = System.nanoTime() + DETACH_WAIT_MS * 1_000_000;
        while (pids.stream().anyMatch(p -> tracer(p) == criuPid) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<Long> continued = pids.stream()
                .filter(p -> !stoppedBefore.contains(p))
                .filter(p -> ProcFs.stat(p).map(ProcFs.Stat::stopped).orElse(false) || anyThreadStopped(p))
                .toList();
        for (long pid : continued) {
            if (Libc.kill(pid, Libc.SIGCONT) != 0 && Libc.lastErrno() != Libc.ESRCH) {
                log.warn("cannot SIGCONT pid {}: errno {}", pid, Libc.lastErrno());
            }
        }
        if (!continued.isEmpty()) log.info("continued {} task(s) CRIU left stopped: {}", continued.size(), continued);
        return continued;
    }

    private static long tracer(long pid) {
        try {
            return Long.parseLong(ProcFs.status(pid).getOrDefault("TracerPid", "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static boolean anyThreadStopped(long pid) {
        try (var tasks = Files.list(ProcFs.dir(pid).resolve("task"))) {
            return tasks.anyMatch(t -> ProcFs.readString(t.resolve("stat"))
                    .map(stat -> ProcFs.parseStat(pid, stat).stopped()).orElse(false));
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }
}
