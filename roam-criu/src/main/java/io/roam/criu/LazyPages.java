package io.roam.criu;

import io.roam.criu.inspect.Diagnosis;
import io.roam.criu.inspect.FailureClassifier;
import io.roam.criu.inspect.JobInspector;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Post-copy with criu's lazy pages (userfaultfd). Source: {@code criu dump --lazy-pages --address A --port P
 * --status-fd 3} writes every image but the memory pages, signals readiness on fd 3 and then serves the pages until
 * the target has them all; the tree stays frozen in criu's hands meanwhile. Measured on CRIU 4.2.1: when the serving
 * fails (the target never connects and criu is killed, or the connection breaks), the source tree is <em>resumed</em>
 * (criu switches it back to alive on any failure); when every page was sent, criu kills it and exits 0. Target:
 * {@code criu lazy-pages --page-server --address A --port P} (started once the images are there: it reads them at
 * start), then {@code criu restore --lazy-pages}. Both sides speak TLS with the given PEM files and trust only the
 * given CA (criu's server side requires a client certificate); host names are not checked ({@code --tls-no-cn-verify}),
 * like roam's own mutual TLS.
 */
public final class LazyPages {
    private static final Logger log = LoggerFactory.getLogger(LazyPages.class);
    public static final String DUMP_LOG = "dump.log";
    public static final String PAGES_LOG = "lazy-pages.log";
    private static final String STATUS = "dump.status";
    private static final String SOCKET = "lazy-pages.socket";

    /** The PEM files criu presents and trusts. */
    public record Tls(Path caCert, Path cert, Path key) {
        List<String> args() {
            return List.of("--tls", "--tls-cacert", caCert.toString(), "--tls-cert", cert.toString(), "--tls-key", key.toString(),
                    "--tls-no-cn-verify");
        }
    }

    /**
     * A page-server connection made for criu instead of its own TCP (and TLS): criu gets it as fd {@value #FD}
     * ({@code --ps-socket}), connected by its wrapper shell, still root, to {@code 127.0.0.1:port} of this node, and
     * authenticated there by {@code token}, which only that shell's environment carries and which it forgets before
     * criu runs. Whoever listens there joins it to the other node's criu (the agents' page relay).
     */
    public record PsSocket(int port, String token) {
        static final int FD = 4;
        private static final String CONNECT = "exec 4<>/dev/tcp/127.0.0.1/\"$ROAM_PS_PORT\" || exit 97; "
                + "printf %s \"$ROAM_PS_TOKEN\" >&4 || exit 97; unset ROAM_PS_TOKEN ROAM_PS_PORT; ";

        public PsSocket {
            if (port <= 0 || port > 65535) throw new IllegalArgumentException("port " + port);
            if (!token.matches("[0-9a-f]{16,128}")) throw new IllegalArgumentException("a page relay token must be hex");
        }

        List<String> args() { return List.of("--ps-socket", Integer.toString(FD)); }

        /** bash connects fd 4, then runs {@code cmd} with fd 3 to {@code status}. */
        List<String> wrap(Path status, List<String> cmd) {
            List<String> out = new ArrayList<>(List.of("/bin/bash", "-c", CONNECT + "exec \"$@\" 3>\"$0\"", status.toString()));
            out.addAll(cmd);
            return out;
        }

        Map<String, String> env() { return Map.of("ROAM_PS_PORT", Integer.toString(port), "ROAM_PS_TOKEN", token); }
    }

    /**
     * The lazy-pages daemon's wrapper ({@code $0}: the restore's pidfile): when criu lazy-pages fails, the restored
     * tree is killed there and then, agent or no agent. Once the daemon is gone its userfaultfd ranges are
     * unregistered and every page that had not arrived reads as zeros: a copy that ran on would compute with wrong
     * memory. The agent kills it too when it sees the exit, but an agent that is down (or whose page relay died with
     * it) would not. Only a roam job's init is killed (a pid reused by anything else is left alone). The shell
     * lets go of the relay's socket (fd 4) once criu has it, so that criu's close is the connection's end.
     */
    static final String WATCHDOG = "\"$@\" & child=$!; exec 4>&-; wait \"$child\"; rc=$?; "
            + "if [ \"$rc\" -ne 0 ] && [ -s \"$0\" ]; then pid=$(cat \"$0\"); "
            + "case \"$(readlink \"/proc/$pid/exe\")\" in */roam-init*) kill -KILL \"$pid\" && echo \"roam: criu lazy-pages failed ($rc): killed the restored job, pid $pid\" >&2;; esac; fi; "
            + "exit \"$rc\"";

    /** A criu process that outlives the call that started it (the page server or the lazy-pages daemon). */
    public static final class Running {
        private final Process process;
        private final long started = System.nanoTime();
        private final TreeThaw thaw;

        Running(Process process, TreeThaw thaw) {
            this.process = process;
            this.thaw = thaw;
        }

        public long pid() { return process.pid(); }

        /** Completes with criu's exit code. */
        public CompletableFuture<Integer> exit() { return process.onExit().thenApply(Process::exitValue); }

        public long millisSinceStart() { return (System.nanoTime() - started) / 1_000_000; }

        /** SIGKILLs criu (and its wrapper) and waits for it; on the source, continues whatever it left stopped. */
        public void kill() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thaw != null) thaw.thaw(process.pid());
        }
    }

    /** How a lazy dump started. */
    public sealed interface DumpStart {
        record Serving(Running criu, Duration took) implements DumpStart {}
        record Failed(DumpFailed failure) implements DumpStart {}
    }

    private final Path criu;

    public LazyPages(Path criu) { this.criu = criu; }

    /**
     * Starts the lazy dump of {@code rootPid} into {@code dir}, serving pages on {@code 0.0.0.0:port} with criu's TLS;
     * returns once the images are written. {@code extra}: more dump options (a job with its own network namespace:
     * TCP repair). Root's jobs only: a user's job is dumped as the user, who must not read the node's TLS key.
     */
    public DumpStart dump(long rootPid, Path dir, int port, Tls tls, List<String> extra, Duration timeout) {
        List<String> serve = new ArrayList<>(List.of("--address", "0.0.0.0", "--port", Integer.toString(port)));
        serve.addAll(tls.args());
        return dump(rootPid, dir, serve, null, extra, timeout);
    }

    /**
     * As above, but criu serves its pages on the relay's connection {@code ps} (no TLS in criu; the relay encrypts):
     * also a user's job, dumped as the user.
     */
    public DumpStart dump(long rootPid, Path dir, PsSocket ps, List<String> extra, Duration timeout) {
        return dump(rootPid, dir, ps.args(), ps, extra, timeout);
    }

    private DumpStart dump(long rootPid, Path dir, List<String> serve, PsSocket ps, List<String> extra, Duration timeout) {
        dir = dir.toAbsolutePath();
        DumpAs as = DumpAs.of(rootPid).orElse(null);
        if (as == null) return failed(FailureKind.REFUSED, "pid " + rootPid + " does not exist: the job is not running", "");
        if (!as.root() && ps == null) {
            return failed(FailureKind.REFUSED, "criu's own TLS page server moves only root's jobs (criu dumps a user's job as that user,"
                    + " who must not read the node's TLS key): relay the pages", "");
        }
        try {
            Optional<String> unreachable = as.prepare(dir);
            if (unreachable.isPresent()) return failed(FailureKind.REFUSED, unreachable.get(), "");
        } catch (IOException e) {
            return failed(FailureKind.IO, "cannot prepare " + dir + " for uid " + as.uid() + ": " + e.getMessage(), "");
        }
        Path status = dir.resolve(STATUS);
        // -v3, not -v4 as elsewhere: the job is frozen while criu logs, and at -v4 a 1 GB job's lazy dump writes ~5500
        // lines (every page-pipe iov), at -v3 ~300; ready 136 against 156 ms (medians of 10 alternating bare runs). The
        // lines roam reads stay (run id, errors, the tasks and their fds); a refusal found only here may be named less
        // precisely (the TCP and unix-socket rules fall back to their general wording), and roam's pre-check finds those first.
        List<String> criuCmd = new ArrayList<>(List.of(criu.toString(), "dump", "-t", Long.toString(rootPid), "-D", dir.toString(), "-v3",
                "-o", DUMP_LOG, "--file-locks", "--ghost-limit", (JobInspector.GHOST_LIMIT_BYTES >> 20) + "M",
                "--lazy-pages", "--status-fd", "3"));
        criuCmd.addAll(serve);
        criuCmd.addAll(extra);
        List<String> cmd;
        if (ps == null) {
            cmd = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\" 3>\"$0\"", status.toString()));
            cmd.addAll(as.wrap(criuCmd));
        } else {
            cmd = ps.wrap(status, as.wrap(criuCmd));   // the shell connects as root, then drops to the user
        }
        TreeThaw thaw = TreeThaw.snapshot(rootPid);
        // criu's parasite mounts a procfs in each task's working directory: one dump at a time per directory, held
        // until criu is ready to serve (the parasite has left the tasks by then)
        try (CwdLocks locks = CwdLocks.acquire(rootPid)) {
            locks.clearLeftovers();
            return lazyDump(cmd, ps == null ? Map.of() : ps.env(), dir, status, thaw, rootPid, extra.contains("--tcp-established"), timeout);
        }
    }

    private DumpStart lazyDump(List<String> cmd, Map<String, String> env, Path dir, Path status, TreeThaw thaw, long rootPid,
                               boolean tcpRepair, Duration timeout) {
        long t0 = System.nanoTime();
        Process p;
        try {
            Files.deleteIfExists(status);
            p = start(cmd, env, dir.resolve("criu-dump.out.log"));
        } catch (IOException e) {
            return failed(FailureKind.IO, "cannot run " + criu + ": " + e.getMessage(), "");
        }
        Running running = new Running(p, thaw);
        long deadline = t0 + timeout.toNanos();
        while (true) {
            if (size(status) > 0) {
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                log.info("lazy dump of pid {} into {} ready in {} ms; serving pages", rootPid, dir, took.toMillis());
                return new DumpStart.Serving(running, took);
            }
            if (!p.isAlive()) {
                String tail = CriuProcess.tail(dir.resolve(DUMP_LOG), dir.resolve("criu-dump.out.log"), 40);
                Diagnosis d = FailureClassifier.diagnose(dir.resolve(DUMP_LOG));
                return failed(d.refused() ? FailureKind.REFUSED : FailureKind.CRIU_FAILED, d.reason(), tail);
            }
            if (System.nanoTime() > deadline) {
                // a criu killed while it holds the tree leaves its sockets in TCP repair and its nftables lock: undo
                // both first (while the tree is still stopped), so that the job runs on with its connections
                if (tcpRepair) releaseNetwork(rootPid, dir);
                running.kill();
                return failed(FailureKind.TIMEOUT, "criu dump --lazy-pages was not ready within " + timeout.toMillis()
                        + " ms and was killed; the job runs on", "");
            }
            sleepMs(2);
        }
    }

    private static void releaseNetwork(long rootPid, Path dir) {
        try {
            DumpNetworkRelease.release(rootPid, dir.resolve(DUMP_LOG));
        } catch (RuntimeException e) {
            log.warn("pid {}: cannot take its connections out of TCP repair after a lazy dump that hung: {}", rootPid, e.getMessage());
        }
    }

    /** Starts the target's lazy-pages daemon for the images in {@code dir}, fetching from {@code host:port}; returns once it listens. */
    public Running pageClient(Path dir, String host, int port, Tls tls, Duration timeout) throws IOException {
        List<String> from = new ArrayList<>(List.of("--address", host, "--port", Integer.toString(port)));
        from.addAll(tls.args());
        return pageClient(dir, from, null, timeout);
    }

    /** As above, fetching over the relay's connection {@code ps}. */
    public Running pageClient(Path dir, PsSocket ps, Duration timeout) throws IOException {
        return pageClient(dir, ps.args(), ps, timeout);
    }

    private Running pageClient(Path dir, List<String> from, PsSocket ps, Duration timeout) throws IOException {
        dir = dir.toAbsolutePath();
        Path socket = dir.resolve(SOCKET);
        Files.deleteIfExists(socket);
        List<String> criuCmd = new ArrayList<>(List.of(criu.toString(), "lazy-pages", "--page-server", "-D", dir.toString(), "-v4", "-o", PAGES_LOG));
        criuCmd.addAll(from);
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", "-c", (ps == null ? "" : PsSocket.CONNECT) + WATCHDOG,
                dir.resolve(CriuCheckpointEngine.RESTORE_PIDFILE).toString()));
        cmd.addAll(criuCmd);
        Running r = new Running(start(cmd, ps == null ? Map.of() : ps.env(), dir.resolve("criu-lazy-pages.out.log")), null);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(socket)) {
            if (!r.process.isAlive()) {
                throw new IOException("criu lazy-pages exited at once (" + r.process.exitValue() + "): "
                        + FailureClassifier.diagnose(dir.resolve(PAGES_LOG)).reason());
            }
            if (System.nanoTime() > deadline) {
                r.kill();
                throw new IOException("criu lazy-pages did not listen within " + timeout.toMillis() + " ms");
            }
            sleepMs(2);
        }
        return r;
    }

    /**
     * Kills a {@code criu restore} of {@code dir} that is still running. Needed when the lazy-pages daemon dies during
     * the restore: criu restore then reports the failure, kills the half-restored tree and can hang waiting for it.
     */
    public static void killRestoresOf(Path dir) {
        String d = dir.toAbsolutePath().toString();
        for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
            try {
                List<String> args = List.of(Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline")).split("\0"));
                if (args.size() > 3 && args.get(0).endsWith("criu") && args.get(1).equals("restore") && args.contains(d)) {
                    log.warn("killing criu restore (pid {}) of {}: its lazy-pages daemon is gone", p.pid(), d);
                    p.destroyForcibly();
                }
            } catch (IOException | RuntimeException e) {
                // gone or unreadable
            }
        }
    }

    /** The restore options that go with {@link #pageClient}. */
    public static List<String> restoreArgs() { return List.of("--lazy-pages"); }

    private static Process start(List<String> cmd, Map<String, String> env, Path console) throws IOException {
        var pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()));
        pb.environment().putAll(env);
        return pb.start();
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static DumpStart failed(FailureKind kind, String reason, String tail) {
        return new DumpStart.Failed(new DumpFailed(kind, reason, tail));
    }
}
