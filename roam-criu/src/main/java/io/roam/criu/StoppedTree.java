package io.roam.criu;

import io.roam.criu.image.ProcessTree;
import io.roam.criu.sys.Libc;
import io.roam.criu.sys.ProcFs;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A tree CRIU restored with {@code --leave-stopped} (every task SIGSTOPped): continue it, or kill it unrun. */
final class StoppedTree {
    private static final Logger log = LoggerFactory.getLogger(StoppedTree.class);
    private static final long KILL_WAIT_MS = 5_000;

    private StoppedTree() {}

    /** SIGCONT to every process of the tree (a process's threads leave the group stop with it); returns how many. */
    static int resume(long root) {
        List<Long> pids = ProcessTree.pids(root);
        int continued = 0;
        for (long pid : pids) {
            if (Libc.kill(pid, Libc.SIGCONT) == 0) continued++;
            else if (Libc.lastErrno() != Libc.ESRCH) log.warn("cannot SIGCONT pid {}: errno {}", pid, Libc.lastErrno());
        }
        return continued;
    }

    /**
     * SIGKILL to the root, the init of the job's PID namespace, which takes every process of the namespace with it;
     * waits until the root is dead (a subreaper reaps it).
     */
    static void kill(long root) {
        List<Long> pids = ProcessTree.pids(root);
        Libc.kill(root, Libc.SIGKILL);
        for (long pid : pids) Libc.kill(pid, Libc.SIGKILL); // in case the root was not a namespace init
        long deadline = System.nanoTime() + KILL_WAIT_MS * 1_000_000;
        while (ProcFs.stat(root).map(s -> !s.dead()).orElse(false) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
