package io.roam.agent.transfer;

import static io.roam.bench.BenchSupport.median;

import io.roam.rpc.ClusterCa;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The bulk socket's transport alone, without files, CRIU or a cluster: how fast one connection moves bytes with
 * JSSE's record layer (what the bulk socket used until 2026-12-03) against the {@link SealedFrames} keyed from the
 * same mutual-TLS handshake (what it uses now), next to plain TCP, over loopback in one JVM (a sender and a
 * receiver thread), alternating the order per round, after a warm-up of each. 4 MiB writes, as the image chunks.
 * Usage (bench/bulk-transport): BulkTransportBench OUT.md ROUNDS MB
 */
public final class BulkTransportBench {
    private static final int CHUNK = 4 << 20;

    private final SSLContext source, target;
    private final byte[] chunk = new byte[CHUNK];

    private BulkTransportBench(SSLContext source, SSLContext target) {
        this.source = source;
        this.target = target;
        new Random(1).nextBytes(chunk);
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        long bytes = Long.parseLong(args[2]) << 20;
        Path tmp = Files.createTempDirectory("roam-bulkbench");
        try {
            ClusterCa ca = ClusterCa.loadOrCreate(tmp.resolve("ca"));
            var b = new BulkTransportBench(Tls.sslContext(Identity.loadOrIssue(ca, tmp.resolve("n1"), "n1")),
                    Tls.sslContext(Identity.loadOrIssue(ca, tmp.resolve("n2"), "n2")));
            SealedFrames.warmUp();
            String[] modes = {"plain", "jsse", "sealed"};
            for (String m : modes) b.run(m, Math.min(bytes, 1L << 30));   // warm-up: the JIT, the socket buffers
            List<List<Double>> rates = new ArrayList<>();
            for (String m : modes) rates.add(new ArrayList<>());
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < modes.length; i++) {
                    int k = (i + r) % modes.length;   // rotate which goes first
                    rates.get(k).add(b.run(modes[k], bytes));
                }
            }
            double plain = median(rates.get(0)), jsse = median(rates.get(1)), sealed = median(rates.get(2));
            String report = "# The bulk socket's transport: JSSE records against sealed frames\n\n"
                    + "Run " + LocalDateTime.now().withNano(0) + " on " + Runtime.getRuntime().availableProcessors() + " cores, "
                    + System.getProperty("os.version") + ", JDK " + Runtime.version() + "; one TCP connection over loopback"
                    + " in one JVM (sender and receiver threads), " + (bytes >> 20) + " MB of pseudo-random bytes in 4 MiB"
                    + " writes per round, median of " + rounds + " rounds, the order rotated per round, after one warm-up"
                    + " run of each. jsse: TLS 1.3 (AES-GCM, mutual authentication with the cluster CA, roam's parameters)"
                    + " through JSSE's SSLSocket; sealed: the same handshake, then AES-256-GCM frames of 1 MiB keyed by"
                    + " the TLS exporter (`SealedFrames`), on the TCP socket.\n\n"
                    + "| path | MB/s | / plain TCP |\n|---|---|---|\n"
                    + String.format("| plain TCP | %.0f | 1.00 |%n", plain)
                    + String.format("| JSSE records | %.0f | %.2f |%n", jsse, jsse / plain)
                    + String.format("| sealed frames | %.0f | %.2f |%n", sealed, sealed / plain)
                    + String.format("%nsealed / JSSE: %.2f×%n", sealed / jsse);
            Files.writeString(out, report);
            System.out.print(report);
        } finally {
            try (var s = Files.walk(tmp)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** One connection moving {@code bytes}; returns MB/s from the first write to the receiver's last byte. */
    private double run(String mode, long bytes) throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
                try (Socket raw = ss.accept()) {
                    InputStream in = switch (mode) {
                        case "plain" -> raw.getInputStream();
                        default -> {
                            var tls = (SSLSocket) target.getSocketFactory().createSocket(raw, null, false);
                            var p = BulkWire.parameters(tls.getSSLParameters());
                            p.setNeedClientAuth(true);
                            tls.setSSLParameters(p);
                            tls.startHandshake();
                            yield mode.equals("jsse") ? tls.getInputStream() : BulkWire.targetSwitch(raw, tls).in();
                        }
                    };
                    byte[] buf = new byte[1 << 20];
                    long n = 0;
                    for (int r; (r = in.read(buf)) > 0; ) n += r;
                    return System.nanoTime();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (Socket raw = new Socket(ss.getInetAddress(), ss.getLocalPort())) {
                raw.setTcpNoDelay(true);
                OutputStream out = switch (mode) {
                    case "plain" -> raw.getOutputStream();
                    default -> {
                        var tls = (SSLSocket) source.getSocketFactory().createSocket(raw, "127.0.0.1", ss.getLocalPort(), false);
                        tls.setSSLParameters(BulkWire.parameters(tls.getSSLParameters()));
                        tls.startHandshake();
                        yield mode.equals("jsse") ? tls.getOutputStream() : BulkWire.sourceSwitch(raw, tls).out();
                    }
                };
                long t0 = System.nanoTime();
                for (long n = 0; n < bytes; n += CHUNK) out.write(chunk);
                out.flush();
                raw.shutdownOutput();
                long t1 = received.get();
                return bytes / 1e6 / ((t1 - t0) / 1e9);
            }
        }
    }
}
