package io.roam.criu.inspect;

import io.roam.criu.CriuCheckpointEngine;
import io.roam.criu.DumpFailed;
import io.roam.criu.DumpOutcome;
import io.roam.criu.DumpSpec;
import io.roam.criu.Dumped;
import io.roam.criu.FailureKind;
import io.roam.criu.sys.ProcFs;
import io.roam.criu.testing.Poll;
import io.roam.criu.testing.Processes;
import io.roam.criu.testing.TestJob;
import io.roam.proto.CheckReport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The migratability check on real processes, and the same refusal from a real dump. */
class JobInspectorIT {
    private static final Duration T = Duration.ofSeconds(20);
    private static CriuCheckpointEngine engine;

    @TempDir Path dir;
    private Path holder;

    @BeforeAll
    static void engine() { engine = new CriuCheckpointEngine(CriuCheckpointEngine.locateCriu()); }

    @BeforeEach
    void holder() throws Exception {
        holder = dir.resolve("holder.py");
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream("holder.py"))) {
            Files.write(holder, in.readAllBytes());
        }
    }

    private TestJob hold(String... args) { return holdIn(dir, args); }

    private TestJob holdIn(Path jobDir, String... args) {
        TestJob job = TestJob.start(jobDir, "exec " + Processes.python() + " " + holder + " " + String.join(" ", args));
        Poll.until(T, "the holder to be ready", () -> job.output().contains("ready"));
        return job;
    }

    private static int fd(TestJob job) {
        return job.outputLines().stream().filter(l -> l.startsWith("ready ")).findFirst()
                .map(l -> Integer.parseInt(l.substring(6).trim())).orElseThrow();
    }

    private static String who(long pid) { return Reasons.who(pid, ProcFs.stat(pid).orElseThrow().comm()); }

    /** The inspector names the problem, a real dump is refused with the same line, and the job runs on. */
    private void assertRefused(TestJob job, String reason) {
        CheckReport report = JobInspector.inspect(job.pid(), dir);
        Path images = dir.resolve("img-" + job.pid());
        assertThat(report.getMigratable()).isFalse();
        assertThat(report.getReasonsList()).containsExactly(reason);
        DumpOutcome d = engine.dump(new DumpSpec(job.pid(), images, false, T));
        assertThat(d).isInstanceOfSatisfying(DumpFailed.class, f -> {
            assertThat(f.kind()).isEqualTo(FailureKind.REFUSED);
            assertThat(f.reason()).isEqualTo(reason);
            assertThat(f.logTail()).contains("Dumping FAILED");
        });
        assertThat(job.running()).isTrue();
        assertThat(ProcFs.stat(job.pid()).orElseThrow().stopped()).isFalse();
    }

    @Test
    void aCleanJobIsMigratable() {
        try (TestJob job = TestJob.start(dir, "i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done")) {
            Poll.until(T, "output", () -> !job.output().isEmpty());
            CheckReport inSpool = JobInspector.inspect(job.pid(), dir);
            assertThat(inSpool.getMigratable()).isTrue();
            assertThat(inSpool.getReasonsList()).isEmpty();
            assertThat(inSpool.getWarningsList()).isEmpty();
            // without the spool, its output files are files that must exist on the target
            CheckReport noSpool = JobInspector.inspect(job.pid());
            assertThat(noSpool.getMigratable()).isTrue();
            assertThat(noSpool.getWarningsList()).contains(who(job.pid()) + " writes " + job.out()
                    + " (fd 1): it must exist at the same path on the target");
        }
    }

    @Test
    void aDeviceIsRefused() {
        String device = List.of("/dev/kvm", "/dev/net/tun", "/dev/loop-control").stream()
                .filter(d -> Files.exists(Path.of(d))).findFirst().orElseThrow();
        try (TestJob job = hold("device", device)) {
            assertRefused(job, who(job.pid()) + " holds device " + device + " (fd " + fd(job) + "): devices cannot move");
        }
    }

    @Test
    void aTerminalOfTheOutsideIsRefused() throws Exception {
        Process pty = new ProcessBuilder(Processes.python(), "-c",
                "import os, time; m, s = os.openpty(); print(os.ttyname(s), flush=True); time.sleep(600)").start();
        try {
            String name = new java.io.BufferedReader(new java.io.InputStreamReader(pty.getInputStream())).readLine();
            try (TestJob job = TestJob.start(dir, "exec sleep 600 3<>" + name).awaitExec("sleep")) {
                assertRefused(job, who(job.pid()) + " holds terminal " + name
                        + " (fd 3): terminals cannot move; start the job with stdin from /dev/null and output to files");
            }
        } finally {
            pty.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPseudoTerminalCreatedInsideTheJobIsOnlyAWarning() {
        try (TestJob job = hold("openpty")) {
            CheckReport report = JobInspector.inspect(job.pid(), dir);
            assertThat(report.getMigratable()).isTrue();
            assertThat(report.getWarningsList()).singleElement().asString().contains("created pseudo-terminal /dev/pts/");
            assertThat(engine.dump(new DumpSpec(job.pid(), dir.resolve("img"), true, T))).isInstanceOf(Dumped.class);
        }
    }

    @Test
    void aUnixSocketConnectedOutsideIsRefused() throws Exception {
        Path sock = dir.resolve("outside.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            try (TestJob job = hold("unix", sock.toString()); SocketChannel accepted = server.accept()) {
                assertThat(accepted.isConnected()).isTrue();
                assertRefused(job, who(job.pid()) + " has a unix socket connected outside the job (fd " + fd(job) + ", "
                        + sock + "): close it before the checkpoint");
            }
        }
    }

    @Test
    void aSocketPairInsideTheJobIsFine() {
        try (TestJob job = hold("socketpair")) {
            CheckReport report = JobInspector.inspect(job.pid(), dir);
            assertThat(report.getReasonsList()).isEmpty();
            assertThat(engine.dump(new DumpSpec(job.pid(), dir.resolve("img"), true, T))).isInstanceOf(Dumped.class);
        }
    }

    @Test
    void anEstablishedTcpConnectionIsRefused() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            try (TestJob job = hold("tcp", Integer.toString(server.getLocalPort())); Socket peer = server.accept()) {
                String connection = "127.0.0.1:" + peer.getPort() + " → 127.0.0.1:" + server.getLocalPort();
                assertRefused(job, who(job.pid()) + " has an established TCP connection " + connection + " (fd " + fd(job)
                        + "): needs `roam run --net`");
            }
        }
    }

    @Test
    void inItsOwnNetworkNamespaceATcpConnectionIsAWarningAndUnixPeersAreFound() throws Exception {
        TestJob job = TestJob.startWithOwnNetwork(dir, "exec " + Processes.python() + " " + holder + " tcp_loop");
        try (job) {
            Poll.until(T, "the holder to be ready", () -> job.output().contains("ready"));
            CheckReport report = JobInspector.inspect(job.pid(), dir);
            assertThat(report.getReasonsList()).isEmpty();
            assertThat(report.getWarningsList()).filteredOn(w -> w.contains("has an established TCP connection 127.0.0.1:"))
                    .hasSize(2).allMatch(w -> w.endsWith("it moves with the job, whose network namespace has its own address (roam run --net)"));
        }
        try (TestJob pair = TestJob.startWithOwnNetwork(Files.createDirectories(dir.resolve("pair")),
                "exec " + Processes.python() + " " + holder + " socketpair")) {
            Poll.until(T, "the holder to be ready", () -> pair.output().contains("ready"));
            List<Long> inodes = ProcFs.fds(pair.pid()).values().stream().filter(t -> t.startsWith("socket:["))
                    .map(t -> Long.parseLong(t.substring(8, t.length() - 1))).toList();
            assertThat(inodes).hasSize(2);
            var theirs = UnixDiag.sockets(pair.pid());
            assertThat(theirs.get(inodes.get(0)).peer()).isEqualTo(inodes.get(1));
            assertThat(theirs.get(inodes.get(1)).peer()).isEqualTo(inodes.get(0));
            assertThat(UnixDiag.query()).as("the host's namespace").doesNotContainKeys(inodes.get(0), inodes.get(1));
        }
    }

    @Test
    void aListeningSocketIsAWarning() {
        try (TestJob job = hold("listen")) {
            String port = job.outputLines().getFirst().substring("port ".length());
            CheckReport report = JobInspector.inspect(job.pid(), dir);
            assertThat(report.getMigratable()).isTrue();
            assertThat(report.getWarningsList()).containsExactly(who(job.pid()) + " listens on TCP 127.0.0.1:" + port + " (fd "
                    + fd(job) + "): the port must be free on the target");
        }
    }

    @Test
    void perfEventAndUserfaultfdAreRefused() throws Exception {
        for (String kind : List.of("perf_event", "userfaultfd")) {
            Path jobDir = dir.resolve(kind);
            try (TestJob job = holdIn(Files.createDirectories(jobDir), kind)) {
                String what = kind.equals("perf_event") ? "a perf_event descriptor" : "a userfaultfd";
                assertRefused(job, who(job.pid()) + " holds " + what + " (fd " + fd(job) + "): CRIU cannot checkpoint it");
            }
        }
    }

    @Test
    void ioUringIsRefused() {
        try (TestJob job = hold("io_uring")) {
            CheckReport report = JobInspector.inspect(job.pid(), dir);
            assertThat(report.getReasonsList()).containsExactly(who(job.pid()) + " holds an io_uring instance (fd " + fd(job)
                    + "): CRIU cannot checkpoint it");
            DumpOutcome d = engine.dump(new DumpSpec(job.pid(), dir.resolve("img"), false, T));
            assertThat(d).isInstanceOfSatisfying(DumpFailed.class, f -> {
                assertThat(f.kind()).isEqualTo(FailureKind.REFUSED);
                assertThat(f.reason()).startsWith(who(job.pid()) + " holds a descriptor that cannot be passed").contains("io_uring");
            });
            assertThat(job.running()).isTrue();
        }
    }

    @Test
    void aLargeDeletedFileIsRefused() {
        Path file = dir.resolve("big-deleted");
        try (TestJob job = hold("ghost", file.toString(), Long.toString(65L << 20))) {
            assertRefused(job, who(job.pid()) + " keeps open (fd " + fd(job) + ") the deleted file " + file
                    + " of 65 MB, over the 64 MB ghost limit: close it or keep the file");
        }
    }

    @Test
    void aWritableFileOutsideTheSpoolIsAWarning() throws Exception {
        Path elsewhere = Files.createTempFile("roam-inspect", ".data");
        try (TestJob job = hold("write", elsewhere.toString())) {
            CheckReport report = JobInspector.inspect(job.pid(), dir);
            assertThat(report.getMigratable()).isTrue();
            assertThat(report.getWarningsList()).containsExactly(who(job.pid()) + " writes " + elsewhere + " (fd " + fd(job)
                    + "): it must exist at the same path on the target, with the size it has at the checkpoint (opened without O_APPEND)");
        } finally {
            Files.deleteIfExists(elsewhere);
        }
    }

    @Test
    void aNestedPidNamespaceIsRefused() {
        try (TestJob job = TestJob.start(dir, "unshare --pid --fork sleep 600")) {
            long nested = Poll.value(T, "the nested namespace's init", () -> {
                List<Long> c = ProcFs.children(job.pid());
                if (c.isEmpty()) return null;
                List<Long> grand = ProcFs.children(c.getFirst());
                return grand.isEmpty() || !ProcFs.stat(grand.getFirst()).orElseThrow().comm().equals("sleep") ? null : grand.getFirst();
            });
            assertRefused(job, Reasons.nestedPidNamespace(who(nested)));
        }
    }

    @Test
    void aJobOutsideItsOwnSessionIsRefused() {
        try (TestJob job = TestJob.start(dir, "exec sleep 600", false).awaitExec("sleep")) {
            assertRefused(job, Reasons.sessionOutside(who(job.pid())));
        }
    }

    @Test
    void aProcessThatIsNotANamespaceInitIsRefused() throws Exception {
        Process plain = new ProcessBuilder("sleep", "600").start();
        try {
            CheckReport report = JobInspector.inspect(plain.pid(), dir);
            assertThat(report.getReasonsList()).contains(Reasons.notNamespaceInit(who(plain.pid())));
        } finally {
            plain.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        assertThat(JobInspector.inspect(plain.pid()).getReasonsList())
                .containsExactly("pid " + plain.pid() + " does not exist: the job is not running");
    }
}
