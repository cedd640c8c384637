package io.roam.criu.testing;

import io.roam.criu.sys.ProcFs;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A job started the way roam starts one: {@code unshare --pid --ipc --fork -- setsid sh -c SCRIPT}, stdin from
 * /dev/null, stdout and stderr appended to {@code out} and {@code err} in {@code dir}. {@link #pid()} is the host pid
 * of the namespace init (the child of unshare), which is what CRIU dumps. {@link #close()} kills it.
 */
public final class TestJob implements AutoCloseable {
    private final Process unshare;
    private final long pid;
    private final long startTime;
    private final Path out;
    private final Path err;

    private TestJob(Process unshare, long pid, Path out, Path err) {
        this.unshare = unshare;
        this.pid = pid;
        this.startTime = Processes.startTime(pid);
        this.out = out;
        this.err = err;
    }

    public static TestJob start(Path dir, String script) { return start(dir, script, true); }

    /** With {@code setsid == false} the job stays in the test's session (for testing that refusal). */
    public static TestJob start(Path dir, String script, boolean setsid) {
        return start(dir, setsid
                ? List.of("unshare", "--pid", "--ipc", "--fork", "--", "setsid", "sh", "-c", script)
                : List.of("unshare", "--pid", "--ipc", "--fork", "--", "sh", "-c", script));
    }

    /** Like {@link #start(Path, String)}, with its own network namespace (loopback up), as {@code roam run --net} does. */
    public static TestJob startWithOwnNetwork(Path dir, String script) {
        return start(dir, List.of("unshare", "--pid", "--ipc", "--net", "--fork", "--", "setsid", "sh", "-c",
                "ip link set lo up && " + script));
    }

    /**
     * Like {@link #start(Path, String)}, as user {@code uid}:{@code gid} the way roam-init starts a user's job: the
     * namespace init runs as the user, keeps only CAP_SYS_ADMIN and has {@code dir} (which must be the user's) as cwd.
     */
    public static TestJob startAs(Path dir, int uid, int gid, String script) {
        return start(dir, List.of("unshare", "--pid", "--ipc", "--fork", "--", "setpriv", "--reuid", Integer.toString(uid),
                "--regid", Integer.toString(gid), "--clear-groups", "--inh-caps", "+sys_admin", "--ambient-caps", "+sys_admin",
                "setsid", "sh", "-c", script));
    }

    private static TestJob start(Path dir, List<String> cmd) {
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()))
                    .start();
            long init = Poll.value(Duration.ofSeconds(5), "the namespace init of unshare " + p.pid(), () -> {
                List<Long> children = ProcFs.children(p.pid());
                if (children.isEmpty()) return null;
                long child = children.getFirst();
                String exe = ProcFs.readLink(ProcFs.dir(child).resolve("exe")).orElse("");
                return exe.endsWith("/unshare") || exe.endsWith("/setsid") || exe.endsWith("/setpriv") || exe.endsWith("/ip") ? null : child; // wait for the exec
            });
            return new TestJob(p, init, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long pid() { return pid; }

    public Path out() { return out; }

    public Path err() { return err; }

    public String output() {
        try {
            return Files.readString(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<String> outputLines() { return output().lines().toList(); }

    /**
     * Waits until the job's init has exec'd {@code comm} (for a script {@code exec CMD …}: its redirections are then in
     * place, which {@link #start} alone does not promise: it returns once the init is the shell).
     */
    public TestJob awaitExec(String comm) {
        try {
            Poll.until(Duration.ofSeconds(10), "the job to exec " + comm,
                    () -> ProcFs.stat(pid).map(s -> s.comm().equals(comm)).orElse(false));
            return this;
        } catch (RuntimeException | AssertionError e) {
            close(); // the caller's try-with-resources never got it
            throw e;
        }
    }

    public boolean running() {
        return ProcFs.stat(pid).map(s -> s.startTime() == startTime && !s.dead()).orElse(false);
    }

    /** Waits until the original job is gone (after a dump without --leave-running) and unshare has exited. */
    public void awaitGone() {
        Processes.awaitDead(pid);
        try {
            if (!unshare.waitFor(5, TimeUnit.SECONDS)) throw new AssertionError("unshare did not exit after its job died");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        Processes.kill(pid, startTime);
        unshare.destroyForcibly();
        try {
            unshare.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
