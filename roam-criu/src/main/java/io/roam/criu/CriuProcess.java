package io.roam.criu;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;

/** Runs one criu command with a deadline; on expiry, lets the caller act on the live criu pid, then SIGKILLs it. */
final class CriuProcess {
    /** How criu ended; {@code exitCode} is meaningless when {@code timedOut} (which includes {@code interrupted}). */
    record Result(int exitCode, boolean timedOut, boolean interrupted, Duration took) {}

    private static final Duration REAP = Duration.ofSeconds(10);

    private CriuProcess() {}

    /**
     * @param console   where criu's own stdout/stderr go (appended), or null to discard them
     * @param onTimeout called with criu's pid when the deadline passes, before criu is killed
     * @throws IOException when criu cannot be started
     */
    static Result run(List<String> command, Path console, Duration timeout, LongConsumer onTimeout) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(console == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.appendTo(console.toFile()));
        long t0 = System.nanoTime();
        Process p = pb.start();
        try {
            if (p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                return new Result(p.exitValue(), false, false, Duration.ofNanos(System.nanoTime() - t0));
            }
            onTimeout.accept(p.pid());
            kill(p);
            return new Result(-1, true, false, Duration.ofNanos(System.nanoTime() - t0));
        } catch (InterruptedException e) {
            onTimeout.accept(p.pid());
            kill(p);
            Thread.currentThread().interrupt();
            return new Result(-1, true, true, Duration.ofNanos(System.nanoTime() - t0));
        }
    }

    private static void kill(Process p) {
        p.destroyForcibly();
        boolean interrupted = Thread.interrupted();
        try {
            if (!p.waitFor(REAP.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("criu (pid " + p.pid() + ") survived SIGKILL for " + REAP.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** The last {@code n} lines of a log file, or of the console output when the log is missing. */
    static String tail(Path log, Path console, int n) {
        for (Path p : new Path[] {log, console}) {
            if (p == null || !Files.isRegularFile(p)) continue;
            try {
                Deque<String> last = new ArrayDeque<>(n);
                try (var lines = Files.lines(p, StandardCharsets.UTF_8)) {
                    lines.forEach(l -> {
                        if (last.size() == n) last.removeFirst();
                        last.addLast(l);
                    });
                }
                if (!last.isEmpty()) return String.join("\n", last);
            } catch (IOException | UncheckedIOException e) {
                // unreadable: try the next one
            }
        }
        return "";
    }

    /** Runs a short criu query ({@code --version}, {@code check}) and returns its exit code and output. */
    static Query query(Path criu, Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add(criu.toString());
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            // read on the side: a hung criu must not block us past the timeout
            CompletableFuture<byte[]> out = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try (InputStream in = p.getInputStream()) {
                    out.complete(in.readNBytes(1 << 16));
                } catch (IOException e) {
                    out.complete(new byte[0]);
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                return new Query(-1, "timed out after " + timeout.toMillis() + " ms");
            }
            return new Query(p.exitValue(), new String(out.get(timeout.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8));
        } catch (IOException | ExecutionException | TimeoutException e) {
            return new Query(-1, String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Query(-1, "interrupted");
        }
    }

    record Query(int exitCode, String output) {}
}
