package io.roam.criu;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.criu.testing.Poll;
import io.roam.criu.testing.Processes;
import io.roam.criu.testing.TestJob;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lazy dump of a job with its own network namespace and a live TCP connection that never becomes ready (a real
 * criu that holds the tree with its sockets in TCP repair behind its nftables lock, whose readiness byte goes to
 * /dev/null) is killed at its deadline, and the job's connection works afterwards: the sockets are taken out of
 * repair and criu's table deleted before criu lets go. As root, with real CRIU, nftables and namespaces.
 */
class LazyDumpTimeoutIT {
    private static final Duration T = Duration.ofSeconds(20);
    @TempDir Path dir;

    @Test
    void aLazyDumpKilledAtItsDeadlineLeavesTheJobsConnectionWorking() throws Exception {
        Path pinger = dir.resolve("pinger.py");
        Files.writeString(pinger, """
                import socket, time
                l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
                c = socket.create_connection(l.getsockname()); s, _ = l.accept(); s.settimeout(3)
                print("ready", flush=True)
                n = 0
                while True:
                    try:
                        c.sendall(b"x"); s.recv(1)
                        n += 1; print("ok", n, flush=True)
                    except Exception as e:
                        print("failed", repr(e), flush=True); break
                    time.sleep(0.05)
                """);
        Path criu = CriuCheckpointEngine.locateCriu();
        Path neverReady = dir.resolve("criu-never-ready");
        Files.writeString(neverReady, "#!/bin/sh\nexec " + criu + " \"$@\" 3>/dev/null\n");
        Files.setPosixFilePermissions(neverReady, PosixFilePermissions.fromString("rwxr-xr-x"));
        LazyPages.Tls tls = pems(dir.resolve("tls"));
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        try (TestJob job = TestJob.startWithOwnNetwork(dir, "exec " + Processes.python() + " " + pinger)) {
            Poll.until(T, "the connection to carry pings", () -> job.output().contains("ok 3"));
            String ns = Files.readSymbolicLink(Path.of("/proc", Long.toString(job.pid()), "ns", "net")).toString();
            String inode = ns.replaceAll("\\D", "");
            List<String> extra = List.of("--tcp-established", "--external", "net[" + inode + "]:jobnet", "--network-lock", "nftables");
            Path images = dir.resolve("img");
            Files.createDirectories(images);

            var start = new LazyPages(neverReady).dump(job.pid(), images, port, tls, extra, Duration.ofSeconds(6));

            assertThat(start).isInstanceOf(LazyPages.DumpStart.Failed.class);
            var failed = ((LazyPages.DumpStart.Failed) start).failure();
            assertThat(failed.kind()).isEqualTo(FailureKind.TIMEOUT);
            assertThat(Files.readString(images.resolve(LazyPages.DUMP_LOG))).contains("CRIU run id");
            long before = pings(job);
            Poll.until(T, "pings to go on after the failed dump", () -> pings(job) >= before + 20 || job.output().contains("failed"));
            assertThat(job.output()).doesNotContain("failed");
            assertThat(job.running()).isTrue();
        }
    }

    private static long pings(TestJob job) {
        return job.outputLines().stream().filter(l -> l.startsWith("ok ")).count();
    }

    /** A CA and one certificate it issued (EC P-256), as PEM files for criu's --tls options. */
    private static LazyPages.Tls pems(Path d) throws Exception {
        Files.createDirectories(d);
        run(d, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-subj", "/CN=test-ca", "-days", "1");
        run(d, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "key.pem",
                "-out", "req.csr", "-subj", "/CN=n1");
        run(d, "openssl", "x509", "-req", "-in", "req.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
                "cert.pem", "-days", "1");
        return new LazyPages.Tls(d.resolve("ca.pem"), d.resolve("cert.pem"), d.resolve("key.pem"));
    }

    private static void run(Path d, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(d.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }
}
