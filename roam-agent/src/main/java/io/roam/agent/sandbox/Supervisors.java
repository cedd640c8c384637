package io.roam.agent.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The Java side of roam-supervise (roam-native), for {@code roam up}: every daemon (agent, coordinator) runs under a
 * supervisor that is a child subreaper, so that jobs orphaned by an agent restart are still reaped, and their exit
 * status logged ("PID STATUS" lines in the exits file). The supervisor stays alive while jobs run even when its daemon
 * is gone; {@link #respawn} then brings the daemon back.
 */
public final class Supervisors {
    private static final String BINARY_NAME = "roam-supervise";
    /** roam-supervise itself gives up after 10 s. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private Supervisors() {}

    /**
     * Starts {@code command} under a new supervisor and returns the supervisor's pid once the daemon was exec'd. The
     * daemon inherits this process's environment and working directory; its stdout and stderr go to {@code logFile}.
     *
     * @throws IllegalStateException with roam-supervise's one-line reason when it could not start
     */
    public static long start(Path superviseBinary, Path pidFile, Path exitsFile, Path logFile, List<String> command) {
        if (command.isEmpty()) throw new IllegalArgumentException("no daemon command given");
        List<String> argv = new ArrayList<>(List.of(superviseBinary.toString(),
                "--pidfile", pidFile.toAbsolutePath().toString(), "--exits", exitsFile.toAbsolutePath().toString(),
                "--log", logFile.toAbsolutePath().toString(), "--"));
        argv.addAll(command);
        try {
            for (Path file : List.of(pidFile, exitsFile, logFile)) {
                Path dir = file.toAbsolutePath().getParent();
                if (dir != null) Files.createDirectories(dir);
            }
            Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            // roam-supervise answers with one short line: waiting first cannot fill a pipe
            if (!p.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(BINARY_NAME + " did not answer within " + START_TIMEOUT.toSeconds()
                        + " s; see " + logFile);
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0 || !out.matches("\\d+")) {
                throw new IllegalStateException(err.isEmpty()
                        ? BINARY_NAME + " exited with " + p.exitValue() + "; see " + logFile
                        : err.lines().reduce((a, b) -> b).orElseThrow());
            }
            return Long.parseLong(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + superviseBinary + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + BINARY_NAME, e);
        }
    }

    /** The pid in {@code pidFile} if that process is a live (not zombie) roam-supervise; empty otherwise. */
    public static OptionalLong running(Path pidFile) {
        long pid;
        try {
            String text = Files.readString(pidFile).strip();
            if (!text.matches("\\d{1,10}")) return OptionalLong.empty();
            pid = Long.parseLong(text);
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pidFile, e);
        }
        OptionalLong start = JobProcesses.startTime(pid);
        if (start.isEmpty() || !JobProcesses.alive(pid, start.getAsLong())) return OptionalLong.empty();
        try {
            Path exe = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe"));
            return exe.getFileName().toString().startsWith(BINARY_NAME) ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();   // exited meanwhile
        }
    }

    /**
     * Asks the supervisor to start its daemon again (SIGHUP). It does so only if the daemon is not running; without a
     * daemon the supervisor lives on only while jobs remain.
     *
     * @throws IllegalStateException if there is no such process
     */
    public static void respawn(long supervisorPid) {
        if (!JobProcesses.signal(supervisorPid, JobProcesses.SIGHUP)) {
            throw new IllegalStateException("no " + BINARY_NAME + " with pid " + supervisorPid + ": start a new one");
        }
    }
}
