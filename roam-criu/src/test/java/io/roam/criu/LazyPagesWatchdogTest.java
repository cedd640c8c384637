package io.roam.criu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The target's lazy-pages wrapper with a stand-in for criu (a script that makes the daemon's socket, writes to its
 * page-server fd when it has one, and exits with the code it is given) and real processes: a failed daemon takes the
 * restored job's init with it, a clean one does not, and a pid that is not a roam job's init is never killed.
 */
class LazyPagesWatchdogTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final LazyPages.Tls NO_TLS = new LazyPages.Tls(Path.of("/nonexistent/ca.pem"), Path.of("/nonexistent/cert.pem"),
            Path.of("/nonexistent/key.pem"));
    @TempDir Path dir;

    private LazyPages fake(int rc) throws IOException {
        Path criu = dir.resolve("criu");
        Files.writeString(criu, """
                #!/bin/sh
                while [ $# -gt 0 ]; do [ "$1" = -D ] && d=$2; [ "$1" = --ps-socket ] && echo paged >&4; shift; done
                : > "$d/lazy-pages.socket"
                sleep 0.3
                exit %d
                """.formatted(rc));
        Files.setPosixFilePermissions(criu, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new LazyPages(criu);
    }

    /** A stand-in for a restored job's init: a sleep whose executable is named like roam-init (or not). */
    private Process restored(String exeName) throws IOException {
        Path exe = dir.resolve(exeName);
        Files.copy(Path.of("/bin/sleep"), exe, StandardCopyOption.REPLACE_EXISTING);
        Process p = new ProcessBuilder(exe.toString(), "60").start();
        Files.writeString(dir.resolve(CriuCheckpointEngine.RESTORE_PIDFILE), Long.toString(p.pid()));
        return p;
    }

    /**
     * The stand-in daemon exiting with {@code rc} beside a restored job whose executable is {@code exeName}: the job's
     * exit status within {@code waitMs}, or empty while it runs on.
     */
    private OptionalInt jobAfterDaemon(int rc, String exeName, long waitMs) throws Exception {
        Process job = restored(exeName);
        try {
            LazyPages.Running daemon = fake(rc).pageClient(dir, "10.0.0.1", 1, NO_TLS, T);
            assertThat(daemon.exit().get(10, TimeUnit.SECONDS)).isEqualTo(rc);
            return job.waitFor(waitMs, TimeUnit.MILLISECONDS) ? OptionalInt.of(job.exitValue()) : OptionalInt.empty();
        } finally {
            job.destroyForcibly();
        }
    }

    @Test
    void aFailedDaemonKillsTheRestoredJobsInit() throws Exception {
        assertThat(jobAfterDaemon(1, "roam-init-0123abcd", 10_000)).as("the restored init was killed").hasValue(128 + 9);
    }

    @Test
    void aDaemonThatFinishedLeavesTheJobRunning() throws Exception {
        assertThat(jobAfterDaemon(0, "roam-init-0123abcd", 500)).isEmpty();
    }

    @Test
    void aPidThatIsNoRoamJobsInitIsLeftAlone() throws Exception {
        assertThat(jobAfterDaemon(1, "sleep-of-someone-else", 500)).isEmpty();
    }

    @Test
    void overTheRelayCriuGetsTheConnectedSocketAndItsCloseEndsTheConnection() throws Exception {
        try (ServerSocket relay = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            String token = "00112233445566778899aabbccddeeff";
            LazyPages.Running daemon = fake(0).pageClient(dir, new LazyPages.PsSocket(relay.getLocalPort(), token), T);
            try (Socket criu = relay.accept()) {
                criu.setSoTimeout(10_000);
                String got = new String(criu.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(got).as("the token, then what criu wrote on fd 4, then the end").isEqualTo(token + "paged\n");
            }
            assertThat(daemon.exit().get(10, TimeUnit.SECONDS)).isZero();
        }
    }
}
