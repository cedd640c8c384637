package io.roam.e2e;

import static io.roam.e2e.Roam.assertCountsOn;
import static io.roam.e2e.Roam.eventually;
import static io.roam.e2e.Roam.numbers;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Unmodified programs survive checkpoint → restore and go on counting where they were (issue 2). */
@ExtendWith(DaemonLogsOnFailure.class)
class CheckpointRestoreIT {
    @TempDir static Path tmp;
    static Roam roam;

    @BeforeAll
    static void up() { roam = Roam.up(tmp.resolve("home")); }

    @AfterAll
    static void down() { if (roam != null) roam.close(); }

    /** Runs a counting job, checkpoints it, checks it is stopped, restores it and checks it counts on. */
    private List<Long> cycle(String job, int before, int after) {
        eventually(Duration.ofSeconds(60), job + " prints " + before + " numbers", () -> numbers(roam.logs(job)).size() >= before);
        String ck = roam.run("checkpoint", job).ok().line();
        assertThat(ck).isEqualTo(job + ".1");
        assertThat(roam.state(job)).isEqualTo("CHECKPOINTED");
        int frozenAt = numbers(roam.logs(job)).size();
        sleep(500);
        assertThat(numbers(roam.logs(job))).as("no output while checkpointed").hasSize(frozenAt);
        assertThat(roam.run("checkpoints", job).ok().out()).contains(ck);

        assertThat(roam.run("restore", ck).ok().line()).isEqualTo(job);
        assertThat(roam.state(job)).isEqualTo("RUNNING");
        eventually(Duration.ofSeconds(60), job + " counts on after restore", () -> numbers(roam.logs(job)).size() >= frozenAt + after);
        List<Long> n = numbers(roam.logs(job));
        assertCountsOn(n, frozenAt + after);
        roam.run("kill", job).ok();
        assertThat(roam.run("wait", job).exit()).isEqualTo(143);
        return n;
    }

    @Test
    void shellLoop() {
        roam.run("run", "--name", "shloop", "--", "sh", "-c", "i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done").ok();
        cycle("shloop", 10, 10);
    }

    /** One call on the agent's socket, as the CLI makes it but without its JVM start: nothing waits in between. */
    private static io.roam.proto.Done call(io.roam.proto.LocalRequest req) throws IOException {
        try (var ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(roam.home.resolve("agent.sock")));
            req.writeDelimitedTo(java.nio.channels.Channels.newOutputStream(ch));
            var in = java.nio.channels.Channels.newInputStream(ch);
            while (true) {
                var r = io.roam.proto.LocalReply.parseDelimitedFrom(in);
                if (r == null) throw new IOException("the agent closed the connection");
                if (r.hasDone()) return r.getDone();
            }
        }
    }

    @Test
    void aRestoreRightAfterTheCheckpointWaitsForTheImageSeal() throws IOException {
        String py = """
                import time
                data = bytearray(600 * 1024 * 1024)
                for i in range(0, len(data), 4096): data[i] = 7
                n = 0
                while True:
                    n += 1; print(n, flush=True); time.sleep(0.05)
                """;
        roam.run("run", "--name", "sealrace", "--", "python3", "-c", py).ok();
        eventually(Duration.ofSeconds(60), "sealrace counts", () -> numbers(roam.logs("sealrace")).size() >= 3);
        var ck = call(io.roam.proto.LocalRequest.newBuilder().setCheckpoint(io.roam.proto.CheckpointCmd.newBuilder().setJob("sealrace")).build());
        assertThat(ck.getExitCode()).as(ck.getError()).isZero();
        int frozenAt = numbers(roam.logs0("sealrace")).size();
        // at once: the seal of ~600 MB (tens of ms) still runs, and the restore must wait for it, not refuse the image
        var restored = call(io.roam.proto.LocalRequest.newBuilder().setRestore(io.roam.proto.RestoreCmd.newBuilder().setCheckpoint(ck.getId())).build());
        assertThat(restored.getExitCode()).as(restored.getError()).isZero();
        assertThat(Files.readString(roam.home.resolve("log").resolve("agent-" + roam.nodeOf("sealrace") + ".log")))
                .contains("checkpointed as " + ck.getId()).contains("the checksums follow the answer");
        eventually(Duration.ofSeconds(60), "sealrace counts on", () -> numbers(roam.logs("sealrace")).size() >= frozenAt + 5);
        assertCountsOn(numbers(roam.logs("sealrace")), frozenAt + 5);
        roam.run("kill", "sealrace").ok();
        assertThat(roam.run("wait", "sealrace").exit()).isEqualTo(143);
    }

    @Test
    void pythonWith200MBOfLiveData() {
        String py = """
                import hashlib, sys, time
                data = bytearray(200 * 1024 * 1024)
                for i in range(0, len(data), 4096): data[i] = (i // 4096) % 251
                digest = hashlib.sha256(data).hexdigest()
                n = 0
                while True:
                    n += 1
                    if n % 5 == 0 and hashlib.sha256(data).hexdigest() != digest:
                        print("DATA CHANGED", file=sys.stderr, flush=True); sys.exit(3)
                    print(n, flush=True)
                    time.sleep(0.05)
                """;
        roam.run("run", "--name", "py200", "--", "python3", "-c", py).ok();
        cycle("py200", 5, 10);
        assertThat(roam.run("logs", "--stderr", "py200").err()).doesNotContain("DATA CHANGED");
    }

    @Test
    void javaWithThreadsAnd200MBHeap() throws IOException {
        Path src = tmp.resolve("Counter.java");
        Files.writeString(src, """
                import java.util.concurrent.atomic.AtomicLong;
                public class Counter {
                    public static void main(String[] a) throws Exception {
                        byte[][] heap = new byte[200][];
                        for (int i = 0; i < heap.length; i++) { heap[i] = new byte[1 << 20]; heap[i][i] = (byte) i; }
                        AtomicLong work = new AtomicLong();
                        for (int t = 0; t < 4; t++) {
                            Thread th = new Thread(() -> { while (true) { work.incrementAndGet(); Thread.onSpinWait(); } });
                            th.setDaemon(true); th.start();
                        }
                        for (long n = 1; ; n++) {
                            for (int i = 0; i < heap.length; i++) if (heap[i][i] != (byte) i) { System.err.println("HEAP CHANGED"); System.exit(3); }
                            System.out.println(n);
                            Thread.sleep(50);
                        }
                    }
                }
                """);
        String java = ProcessHandle.current().info().command().orElse("java");
        roam.runIn(tmp, Map.of(), "run", "--name", "java200", "--", java, "-Xmx400m", "-Xms300m", "-XX:+UseSerialGC", src.toString()).ok();
        cycle("java200", 5, 10);
        assertThat(roam.run("logs", "--stderr", "java200").err()).doesNotContain("HEAP CHANGED");
    }

    @Test
    void tcpListeningSocket() throws IOException {
        int port;
        try (var s = new ServerSocket(0)) { port = s.getLocalPort(); }
        String py = """
                import socket, sys, threading, time
                n = 0
                srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                srv.bind(("127.0.0.1", %d)); srv.listen(8)
                def serve():
                    while True:
                        c, _ = srv.accept(); c.sendall(("count %%d\\n" %% n).encode()); c.close()
                threading.Thread(target=serve, daemon=True).start()
                while True:
                    n += 1; print(n, flush=True); time.sleep(0.05)
                """.formatted(port);
        roam.run("run", "--name", "tcp", "--", "python3", "-c", py).ok();
        eventually(Duration.ofSeconds(30), "server answers", () -> ask(port).startsWith("count"));
        eventually(Duration.ofSeconds(30), "counting", () -> numbers(roam.logs("tcp")).size() >= 10);
        String ck = roam.run("checkpoint", "tcp").ok().line();
        assertThat(roam.run("restore", ck).ok().line()).isEqualTo("tcp");
        String answer = ask(port);
        assertThat(answer).startsWith("count");
        assertThat(Long.parseLong(answer.split(" ")[1].strip())).isGreaterThanOrEqualTo(10);
        eventually(Duration.ofSeconds(30), "counting on", () -> numbers(roam.logs("tcp")).size() >= 20);
        assertCountsOn(numbers(roam.logs("tcp")), 20);
        roam.run("kill", "tcp").ok();
    }

    @Test
    void appendsToAFileInItsWorkingDirectory() throws IOException {
        Path work = Files.createDirectories(tmp.resolve("work"));
        roam.runIn(work, Map.of(), "run", "--name", "appender", "--", "sh", "-c",
                "i=0; while true; do i=$((i+1)); echo $i >> data.txt; sleep 0.05; done").ok();
        Path data = work.resolve("data.txt");
        eventually(Duration.ofSeconds(30), "data.txt grows", () -> lines(data) >= 10);
        String ck = roam.run("checkpoint", "appender").ok().line();
        int frozen = lines(data);
        sleep(300);
        assertThat(lines(data)).isEqualTo(frozen);
        roam.run("restore", ck).ok();
        eventually(Duration.ofSeconds(30), "data.txt grows again", () -> lines(data) >= frozen + 10);
        roam.run("kill", "appender").ok();
        assertCountsOn(numbers(Files.readString(data)), frozen + 10);
    }

    @Test
    void leaveRunningKeepsTheJobGoingAndRestoreIsRefusedWhileItRuns() {
        roam.run("run", "--name", "keeper", "--", "sh", "-c", "i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done").ok();
        eventually(Duration.ofSeconds(30), "counting", () -> numbers(roam.logs("keeper")).size() >= 5);
        String ck = roam.run("checkpoint", "--leave-running", "keeper").ok().line();
        int at = numbers(roam.logs("keeper")).size();
        eventually(Duration.ofSeconds(30), "still counting", () -> numbers(roam.logs("keeper")).size() > at + 5);
        assertThat(roam.state("keeper")).isEqualTo("RUNNING");
        var refused = roam.run("restore", ck);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err().strip()).contains("still running").doesNotContain("\n");
        assertThat(roam.state("keeper")).isEqualTo("RUNNING");
        roam.run("kill", "keeper").ok();
    }

    private static String ask(int port) {
        try (var s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(2000);
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static int lines(Path f) {
        try {
            return Files.exists(f) ? (int) Files.readAllLines(f).stream().filter(l -> !l.isBlank()).count() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
