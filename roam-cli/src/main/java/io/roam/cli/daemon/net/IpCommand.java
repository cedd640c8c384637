package io.roam.cli.daemon.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs iproute2's {@code ip} with a timeout. */
public final class IpCommand {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** How one {@code ip} invocation ended. */
    public record Result(int exit, String out, String err) {}

    private final String binary;

    public IpCommand() { this(locate()); }

    IpCommand(String binary) { this.binary = binary; }

    /** The ip binary's path. */
    public String binary() { return binary; }

    private static String locate() {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, "ip"))) return dir + "/ip";
        }
        return "ip";
    }

    public Result run(String... args) {
        var cmd = new ArrayList<String>();
        cmd.add(binary);
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            var stdout = new java.io.ByteArrayOutputStream();
            var stderr = new java.io.ByteArrayOutputStream();
            Thread outReader = Thread.ofVirtual().start(() -> copy(p.getInputStream(), stdout));
            Thread errReader = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), stderr));
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("'ip " + String.join(" ", args) + "' did not finish within " + TIMEOUT.toSeconds() + " s");
            }
            outReader.join(TIMEOUT.toMillis());
            errReader.join(TIMEOUT.toMillis());
            return new Result(p.exitValue(), stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary + " (install iproute2): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running ip " + String.join(" ", args), e);
        }
    }

    private static void copy(java.io.InputStream in, java.io.OutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            // the process was killed: what was read is all there is
        }
    }

    /** Whether the command succeeds. */
    public boolean ok(String... args) { return run(args).exit() == 0; }

    /** Runs the command; a failure is an infrastructure fault with ip's own message. */
    public void check(String... args) {
        Result r = run(args);
        if (r.exit() != 0) {
            throw new IllegalStateException("'ip " + String.join(" ", args) + "' failed: " + r.err().strip().lines().findFirst().orElse("exit " + r.exit()));
        }
    }
}
