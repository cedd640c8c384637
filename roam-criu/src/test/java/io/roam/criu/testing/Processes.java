package io.roam.criu.testing;

import io.roam.criu.sys.Libc;
import io.roam.criu.sys.ProcFs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Killing processes that are not our children (restored jobs) and small process utilities for tests. */
public final class Processes {
    private static volatile String python;

    private Processes() {}

    /** SIGKILLs {@code pid} if it is still the process that started at {@code startTime}, and waits until it is dead. */
    public static void kill(long pid, long startTime) {
        var stat = ProcFs.stat(pid);
        if (stat.isEmpty() || stat.get().startTime() != startTime) return;
        Libc.kill(pid, Libc.SIGKILL);
        awaitDead(pid);
    }

    /** Waits until /proc/PID is gone or a zombie (PID 1 here does not reap orphans). */
    public static void awaitDead(long pid) {
        Poll.until(Duration.ofSeconds(5), "pid " + pid + " to die", () -> !ProcFs.alive(pid));
    }

    public static long startTime(long pid) {
        return ProcFs.stat(pid).orElseThrow(() -> new AssertionError("pid " + pid + " does not exist")).startTime();
    }

    /** The real python3 executable (not a pyenv shim). */
    public static String python() {
        if (python == null) python = run("python3", "-c", "import sys; print(sys.executable)").strip();
        return python;
    }

    public static String run(String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish");
            }
            if (p.exitValue() != 0) throw new AssertionError(String.join(" ", command) + " failed: " + out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
