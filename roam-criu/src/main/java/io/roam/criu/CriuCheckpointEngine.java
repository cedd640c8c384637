package io.roam.criu;

import io.roam.criu.image.ProcessTree;
import io.roam.criu.inspect.Diagnosis;
import io.roam.criu.inspect.FailureClassifier;
import io.roam.criu.inspect.JobInspector;
import io.roam.criu.sys.Libc;
import io.roam.criu.sys.ProcFs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link CheckpointEngine} over the criu command line. Every run logs at {@code -v4} into the image directory
 * ({@code dump.log}, {@code restore.log}; criu's own console output goes to {@code criu-dump.out.log} and
 * {@code criu-restore.out.log}). Dumps always handle file locks and keep deleted files up to
 * {@link JobInspector#GHOST_LIMIT_BYTES}; restores detach, so the restored root is orphaned to the caller's nearest
 * subreaper. A job of a user other than root is dumped as that user (see {@link DumpAs}) and restored by root: the
 * restored tree keeps the user's ids.
 */
public final class CriuCheckpointEngine implements CheckpointEngine {
    public static final String DUMP_LOG = "dump.log";
    public static final String RESTORE_LOG = "restore.log";
    public static final String RESTORE_PIDFILE = "restore.pid";
    private static final int TAIL_LINES = 40;
    private static final Logger log = LoggerFactory.getLogger(CriuCheckpointEngine.class);

    private final Path criu;
    private final Object infoLock = new Object();
    private volatile CriuInfo info;

    public CriuCheckpointEngine(Path criuBinary) { this.criu = Objects.requireNonNull(criuBinary, "criuBinary"); }

    /**
     * Finds criu: {@code $ROAM_CRIU}, then /usr/local/sbin/criu, /usr/sbin/criu, then PATH; the first of version
     * 4.2 or newer wins.
     *
     * @throws CriuUnavailableException when there is none
     */
    public static Path locateCriu() { return CriuBinary.locate(System.getenv()); }

    public Path criuBinary() { return criu; }

    @Override
    public CriuInfo info() {
        CriuInfo i = info;
        if (i == null) {
            synchronized (infoLock) {
                if (info == null) info = CriuBinary.probe(criu);
                i = info;
            }
        }
        return i;
    }

    @Override
    public DumpOutcome dump(DumpSpec spec) {
        Path dir = spec.imageDir().toAbsolutePath();
        try {
            Files.createDirectories(dir);
            try (var existing = Files.list(dir)) {
                if (existing.anyMatch(p -> p.getFileName().toString().endsWith(".img"))) {
                    return new DumpFailed(FailureKind.IO, "image directory " + dir + " already holds an image: dump into a new directory", "");
                }
            }
        } catch (IOException e) {
            return new DumpFailed(FailureKind.IO, "cannot create image directory " + dir + ": " + e.getMessage(), "");
        }
        DumpAs as = DumpAs.of(spec.rootPid()).orElse(null);
        if (as == null) return new DumpFailed(FailureKind.REFUSED, "pid " + spec.rootPid() + " does not exist: the job is not running", "");
        try {
            Optional<String> unreachable = as.prepare(dir);
            if (unreachable.isPresent()) return new DumpFailed(FailureKind.IO, unreachable.get(), "");
        } catch (IOException e) {
            return new DumpFailed(FailureKind.IO, "cannot give image directory " + dir + " to uid " + as.uid() + ": " + e.getMessage(), "");
        }
        List<String> cmd = new ArrayList<>(List.of(criu.toString(), "dump", "-t", Long.toString(spec.rootPid()),
                "-D", dir.toString(), "-v4", "-o", DUMP_LOG, "--file-locks",
                "--ghost-limit", (JobInspector.GHOST_LIMIT_BYTES >> 20) + "M"));
        if (spec.leaveRunning()) cmd.add("--leave-running");
        cmd.addAll(spec.extraArgs());
        TreeThaw thaw = TreeThaw.snapshot(spec.rootPid());
        Path console = dir.resolve("criu-dump.out.log");
        long[] criuPid = {-1};
        CriuProcess.Result r;
        // criu's parasite mounts a procfs in each task's working directory: one dump at a time per directory
        try (CwdLocks locks = CwdLocks.acquire(spec.rootPid())) {
            locks.clearLeftovers();
            r = CriuProcess.run(as.wrap(cmd), console, spec.timeout(), pid -> criuPid[0] = pid);
        } catch (IOException e) {
            return new DumpFailed(FailureKind.IO, "cannot run " + criu + ": " + e.getMessage(), "");
        }
        // read only on failure: a -v4 log of a big job is megabytes
        Supplier<String> tail = () -> CriuProcess.tail(dir.resolve(DUMP_LOG), console, TAIL_LINES);
        if (r.timedOut()) {
            // criu is dead and reaped: its tracees are detached; continue what it left stopped
            List<Long> continued = thaw.thaw(criuPid[0]);
            log.warn("dump of pid {} timed out after {} ms; criu killed, {} task(s) continued", spec.rootPid(),
                    spec.timeout().toMillis(), continued.size());
            return new DumpFailed(FailureKind.TIMEOUT, (r.interrupted() ? "criu dump was interrupted"
                    : "criu dump did not finish within " + spec.timeout().toMillis() + " ms") + " and was killed; the job runs on", tail.get());
        }
        if (r.exitCode() != 0) {
            Diagnosis d = FailureClassifier.diagnose(dir.resolve(DUMP_LOG));
            log.info("dump of pid {} failed in {} ms: {}", spec.rootPid(), r.took().toMillis(), d.reason());
            return new DumpFailed(d.refused() ? FailureKind.REFUSED : FailureKind.CRIU_FAILED, d.reason(), tail.get());
        }
        log.info("dumped pid {} into {} in {} ms{}", spec.rootPid(), dir, r.took().toMillis(), spec.leaveRunning() ? " (left running)" : "");
        return new Dumped(dir, r.took());
    }

    @Override
    public RestoreOutcome restore(RestoreSpec spec) {
        Path dir = spec.imageDir().toAbsolutePath();
        if (!Files.isDirectory(dir)) return new RestoreFailed(FailureKind.IO, "image directory " + dir + " does not exist", "");
        Path pidfile = dir.resolve(RESTORE_PIDFILE);
        try {
            Files.deleteIfExists(pidfile);
        } catch (IOException e) {
            return new RestoreFailed(FailureKind.IO, "cannot write to image directory " + dir + ": " + e.getMessage(), "");
        }
        List<String> cmd = new ArrayList<>(List.of(criu.toString(), "restore", "-D", dir.toString(), "-d", "-v4",
                "-o", RESTORE_LOG, "--file-locks", "--pidfile", pidfile.toString()));
        if (spec.gate().isPresent()) cmd.add("--leave-stopped");
        cmd.addAll(spec.extraArgs());
        cmd = withOpenFiles(cmd, spec.openFiles());
        Path console = dir.resolve("criu-restore.out.log");
        List<Long> partial = new ArrayList<>();
        CriuProcess.Result r;
        try {
            r = CriuProcess.run(cmd, console, spec.timeout(), criuPid -> partial.addAll(stopAndCollect(criuPid)));
        } catch (IOException e) {
            return new RestoreFailed(FailureKind.IO, "cannot run " + criu + ": " + e.getMessage(), "");
        }
        Supplier<String> tail = () -> CriuProcess.tail(dir.resolve(RESTORE_LOG), console, TAIL_LINES);
        if (r.timedOut()) {
            for (long pid : partial) Libc.kill(pid, Libc.SIGKILL);
            log.warn("restore from {} timed out after {} ms; criu and {} partly restored task(s) killed", dir,
                    spec.timeout().toMillis(), partial.size());
            return new RestoreFailed(FailureKind.TIMEOUT, (r.interrupted() ? "criu restore was interrupted"
                    : "criu restore did not finish within " + spec.timeout().toMillis() + " ms") + "; it and the partly restored job were killed", tail.get());
        }
        if (r.exitCode() != 0) {
            Diagnosis d = FailureClassifier.diagnose(dir.resolve(RESTORE_LOG));
            log.info("restore from {} failed in {} ms: {}", dir, r.took().toMillis(), d.reason());
            return new RestoreFailed(d.refused() ? FailureKind.REFUSED : FailureKind.CRIU_FAILED, d.reason(), tail.get());
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidfile).strip());
        } catch (IOException | NumberFormatException e) {
            return new RestoreFailed(FailureKind.CRIU_FAILED, "criu restore succeeded but wrote no usable " + pidfile, tail.get());
        }
        var stat = ProcFs.stat(pid);
        if (stat.isEmpty() || stat.get().dead()) {
            return new RestoreFailed(FailureKind.CRIU_FAILED, "the restored job (pid " + pid + ") exited at once", tail.get());
        }
        if (spec.gate().isPresent()) {
            Optional<String> refused = spec.gate().get().verdict();
            if (refused.isPresent()) {
                StoppedTree.kill(pid);
                log.info("restored {} as pid {} in {} ms, killed it before it ran: {}", dir, pid, r.took().toMillis(), refused.get());
                return new RestoreFailed(FailureKind.REFUSED, refused.get(), "");
            }
            int continued = StoppedTree.resume(pid);
            log.info("restored {} as pid {} in {} ms, {} task(s) continued after the gate", dir, pid, r.took().toMillis(), continued);
        } else {
            log.info("restored {} as pid {} in {} ms", dir, pid, r.took().toMillis());
        }
        return new Restored(pid, stat.get().startTime(), r.took());
    }

    /**
     * The command run by a shell that first opens each file read-only at its descriptor, then execs the command (so
     * the pid is criu's own): ProcessBuilder passes no descriptor above 2.
     */
    static List<String> withOpenFiles(List<String> cmd, java.util.Map<Integer, Path> files) {
        if (files.isEmpty()) return cmd;
        var sorted = new java.util.TreeMap<>(files);
        // sh -c 'p1="$1"; ...; shift K; exec "$@" N1<"$p1" ...' sh FILE1 ... FILEK CMD...
        var script = new StringBuilder();
        var redirects = new StringBuilder();
        int i = 1;
        for (int fd : sorted.keySet()) {
            script.append("p").append(i).append("=\"$").append(i).append("\"; ");
            redirects.append(' ').append(fd).append("<\"$p").append(i).append('"');
            i++;
        }
        script.append("shift ").append(sorted.size()).append("; exec \"$@\"").append(redirects);
        var out = new ArrayList<String>(List.of("/bin/sh", "-c", script.toString(), "sh"));
        sorted.values().forEach(p -> out.add(p.toString()));
        out.addAll(cmd);
        return out;
    }

    /**
     * Freezes a restoring criu (SIGSTOP, so it forks nothing more) and returns its descendants: the partly restored
     * job, whose namespace init takes the whole PID namespace down when killed.
     */
    private static List<Long> stopAndCollect(long criuPid) {
        Libc.kill(criuPid, Libc.SIGSTOP);
        List<Long> tree = new ArrayList<>(ProcessTree.pids(criuPid));
        tree.remove(criuPid);
        return tree;
    }
}
