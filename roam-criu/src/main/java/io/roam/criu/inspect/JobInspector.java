package io.roam.criu.inspect;

import io.roam.criu.image.ProcessTree;
import io.roam.criu.inspect.InetTables.InetSock;
import io.roam.criu.inspect.UnixDiag.UnixSock;
import io.roam.criu.sys.ProcFs;
import io.roam.proto.CheckReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Can this job be checkpointed? Answers from /proc and sock_diag alone, without freezing or stopping anything, in a
 * few milliseconds. Each reason is one line naming the process, the descriptor and what to do; warnings are
 * conditions for a restore elsewhere (a free port, a file that must exist on the target).
 */
public final class JobInspector {
    /** Deleted-but-open files up to this size travel inside the image (CRIU's {@code --ghost-limit}). */
    public static final long GHOST_LIMIT_BYTES = 64L << 20;
    private static final Logger log = LoggerFactory.getLogger(JobInspector.class);

    private JobInspector() {}

    /** Inspects the tree rooted at {@code rootPid} (the host pid of the job's namespace init). */
    public static CheckReport inspect(long rootPid) { return inspect(rootPid, null); }

    /**
     * Like {@link #inspect(long)}; files under {@code spoolDir} (the job's own stdout, stderr and TMPDIR, which travel
     * with it) raise no warning. {@code spoolDir} may be null.
     */
    public static CheckReport inspect(long rootPid, Path spoolDir) {
        List<Long> pids = ProcessTree.pids(rootPid);
        Findings out = new Findings();
        if (pids.isEmpty()) {
            out.reason("pid " + rootPid + " does not exist: the job is not running");
            return out.report();
        }
        Job job = job(rootPid, pids, spoolDir);
        Map<Long, UnixSock> unix = Map.of();
        try {
            unix = UnixDiag.sockets(rootPid);
        } catch (IllegalStateException e) {
            log.warn("cannot list unix sockets of pid {}: {}", rootPid, e.getMessage());
            out.reason("cannot tell where the unix sockets of pid " + rootPid + " lead (" + e.getMessage() + ")");
        }
        // /proc/PID/net/tcp{,6} walk the kernel's whole connection hash table (~4 ms each here, whatever the
        // namespace holds): read them only when the job has a socket that is not a unix one.
        Map<Long, UnixSock> known = unix;
        Map<Long, InetSock> inet = job.socketInodes().stream().allMatch(known::containsKey) ? Map.of() : InetTables.sockets(rootPid);
        FdCheck fds = new FdCheck(job, out, unix, inet, GHOST_LIMIT_BYTES);
        ProcessCheck processes = new ProcessCheck(job, out, GHOST_LIMIT_BYTES);
        for (long pid : pids) {
            if (!job.contains(pid)) continue; // exited while we looked
            processes.check(pid);
            fds.check(pid);
        }
        return out.report();
    }

    private static Job job(long root, List<Long> pids, Path spool) {
        Map<Long, ProcFs.Stat> stats = new LinkedHashMap<>();
        Map<Long, Map<Integer, String>> fds = new LinkedHashMap<>();
        Set<Long> sockets = new HashSet<>();
        Set<Integer> masters = new HashSet<>();
        for (long pid : pids) {
            Optional<ProcFs.Stat> stat = ProcFs.stat(pid);
            if (stat.isEmpty()) continue;
            stats.put(pid, stat.get());
            Map<Integer, String> open = ProcFs.fds(pid);
            fds.put(pid, open);
            open.forEach((fd, target) -> {
                if (target.startsWith("socket:[")) sockets.add(Long.parseLong(target.substring(8, target.length() - 1)));
                if (target.equals("/dev/ptmx") || target.equals("/dev/pts/ptmx")) {
                    String index = ProcFs.fdInfo(pid, fd).get("tty-index");
                    if (index != null) masters.add(Integer.parseInt(index.trim()));
                }
            });
        }
        boolean hostNet = Objects.equals(ProcFs.namespace(root, "net"), ProcFs.namespaceOfSelf("net"));
        boolean hostIpc = Objects.equals(ProcFs.namespace(root, "ipc"), ProcFs.namespaceOfSelf("ipc"));
        return new Job(root, pids, stats, fds, sockets, masters, hostNet, hostIpc,
                Optional.ofNullable(spool).map(p -> p.toAbsolutePath().normalize()));
    }
}
