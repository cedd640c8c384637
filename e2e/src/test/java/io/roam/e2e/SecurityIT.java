package io.roam.e2e;

import static io.roam.e2e.Roam.eventually;
import static io.roam.e2e.Roam.numbers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.roam.proto.AgentGrpc;
import io.roam.proto.Caller;
import io.roam.proto.CoordinatorGrpc;
import io.roam.proto.DeleteImageRequest;
import io.roam.proto.Done;
import io.roam.proto.JobSpec;
import io.roam.proto.KillCmd;
import io.roam.proto.ListNodesRequest;
import io.roam.proto.LocalReply;
import io.roam.proto.LocalRequest;
import io.roam.proto.LogsCmd;
import io.roam.proto.RunCmd;
import io.roam.proto.SubmitRequest;
import io.roam.rpc.ClusterCa;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security against a real `roam up`: non-root users (nobody and daemon, which exist everywhere) run, checkpoint and
 * restore their own jobs as themselves and cannot see or touch each other's; the daemons refuse peers without a
 * cluster certificate; malformed and oversized requests get an error and leave the daemons up.
 */
@ExtendWith(DaemonLogsOnFailure.class)
class SecurityIT {
    private static final int U = 65534, UG = 65534;   // nobody:nogroup
    private static final int V = 1, VG = 1;            // daemon:daemon
    private static final String COUNTER = "i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done";

    @TempDir static Path tmp;
    static Roam roam;
    static Set<Long> daemons;

    @BeforeAll
    static void up() throws IOException {
        // the users must reach the CLI's cwd, the home and its socket: make the temp dir traversable
        Roam.traversable(tmp);
        roam = Roam.up(tmp.resolve("home"));
        daemons = daemonPids();
        assertThat(daemons).as("supervisors and daemons").hasSizeGreaterThanOrEqualTo(4);
    }

    @AfterAll
    static void down() { if (roam != null) roam.close(); }

    // ---- users ------------------------------------------------------------------------------------------------

    @Test
    void aUsersJobRunsAsTheUserWhoCheckpointsAndRestoresItAndNoOtherUserSeesIt() throws Exception {
        String marker = "sec-u-" + System.nanoTime();
        as(U, UG, "run", "--name", "ujob", "--", "sh", "-c", COUNTER + " # " + marker).ok();
        long pid = jobPid(marker);
        assertThat(uids(pid)).as("the job's real, effective, saved and fs uid").isEqualTo(U + "\t" + U + "\t" + U + "\t" + U);
        assertThat(capEff(pid)).as("the job's effective capabilities").isEqualTo("0000000000000000");
        eventually(Duration.ofSeconds(30), "ujob counts", () -> numbers(as(U, UG, "logs", "ujob").ok().out()).size() >= 5);
        assertThat(Files.getOwner(roam.spool("ujob")).getName()).isEqualTo("nobody");

        // U checkpoints and restores its own job; the restored job still runs as U
        assertThat(as(U, UG, "checkpoint", "ujob").ok().line()).isEqualTo("ujob.1");
        assertThat(roam.state("ujob")).isEqualTo("CHECKPOINTED");
        int frozen = numbers(roam.logs0("ujob")).size();
        assertThat(as(U, UG, "restore", "ujob.1").ok().line()).isEqualTo("ujob");
        eventually(Duration.ofSeconds(30), "ujob counts on", () -> numbers(roam.logs0("ujob")).size() >= frozen + 5);
        Roam.assertCountsOn(numbers(roam.logs0("ujob")), frozen + 5);
        long restored = jobPid(marker);
        assertThat(uids(restored)).isEqualTo(U + "\t" + U + "\t" + U + "\t" + U);

        // V: every command about U's job answers as if it did not exist
        assertThat(as(V, VG, "ps", "-a").ok().out()).doesNotContain("ujob");
        for (String[] cmd : List.of(new String[] {"kill", "ujob"}, new String[] {"kill", "--signal", "KILL", "ujob"},
                new String[] {"checkpoint", "ujob"}, new String[] {"logs", "ujob"}, new String[] {"wait", "ujob"},
                new String[] {"check", "ujob"}, new String[] {"rm", "ujob"})) {
            Roam.Result r = as(V, VG, cmd);
            assertThat(r.exit()).as(String.join(" ", cmd)).isEqualTo(1);
            assertThat(r.err().strip()).as(String.join(" ", cmd)).isEqualTo("roam: error: no such job: ujob");
        }
        Roam.Result restore = as(V, VG, "restore", "ujob.1");
        assertThat(restore.exit()).isEqualTo(1);
        assertThat(restore.err().strip()).isEqualTo("roam: error: no such checkpoint: ujob.1");
        assertThat(as(V, VG, "checkpoints", "ujob").ok().out()).doesNotContain("ujob.1");
        assertThat(alive(restored)).as("U's job survived V's attempts").isTrue();
        if (mainHasMigrate()) {
            Roam.Result m = as(V, VG, "migrate", "ujob");
            assertThat(m.exit()).isEqualTo(1);
            assertThat(m.err().strip()).isEqualTo("roam: error: no such job: ujob");
        }

        // V's own job is invisible to U; root sees and acts on both
        as(V, VG, "run", "--name", "vjob", "--", "sleep", "600").ok();
        assertThat(as(U, UG, "ps").ok().out()).contains("ujob").doesNotContain("vjob");
        assertThat(as(V, VG, "ps").ok().out()).contains("vjob").doesNotContain("ujob");
        assertThat(roam.run("ps").ok().out()).contains("ujob", "vjob");
        assertThat(roam.run("logs", "ujob").ok().out()).isNotEmpty();
        assertThat(roam.run("checkpoint", "--leave-running", "vjob").ok().line()).isEqualTo("vjob.1");
        roam.run("kill", "ujob").ok();
        roam.run("kill", "vjob").ok();
        assertThat(roam.run("wait", "ujob").exit()).isEqualTo(143);
        assertThat(roam.run("wait", "vjob").exit()).isEqualTo(143);
        assertDaemonsUnchanged();
    }

    // ---- certificates -----------------------------------------------------------------------------------------

    @Test
    void peersWithoutAClusterCertificateAreRefused() throws Exception {
        String coordinator = Files.readString(roam.home.resolve("coordinator.addr")).strip();
        String agent = agentAddress();
        Path caCert = roam.home.resolve("ca/ca.crt");
        Identity foreign = Identity.loadOrIssue(ClusterCa.loadOrCreate(tmp.resolve("other-ca")), tmp.resolve("other-ids"), "agent-n1");
        Identity member = Identity.loadOrIssue(ClusterCa.loadOrCreate(roam.home.resolve("ca")), tmp.resolve("member-ids"), "agent-probe");

        for (String target : List.of(coordinator, agent)) {
            boolean isCoordinator = target.equals(coordinator);
            Function<ManagedChannel, Object> call = ch -> isCoordinator
                    ? CoordinatorGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).listNodes(ListNodesRequest.getDefaultInstance())
                    : AgentGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).deleteImage(DeleteImageRequest.newBuilder().setCheckpoint("x.1").build());
            // TLS that trusts the cluster CA but presents no client certificate
            ChannelCredentials noCert = TlsChannelCredentials.newBuilder().trustManager(caCert.toFile()).build();
            assertRefused(target + " without a client certificate", noCert, target, call);
            // a certificate from another CA (with a name the cluster uses)
            ChannelCredentials otherCa = TlsChannelCredentials.newBuilder().trustManager(caCert.toFile())
                    .keyManager(pem(foreign.cert()), pem(foreign.key())).build();
            assertRefused(target + " with a certificate of another CA", otherCa, target, call);
            // plain text
            assertRefused(target + " in plain text", InsecureChannelCredentials.create(), target, call);
        }
        // the control: a certificate of this cluster's CA gets through to the coordinator
        ManagedChannel ok = Tls.channel(coordinator, member);
        try {
            assertThat(CoordinatorGrpc.newBlockingStub(ok).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .listNodes(ListNodesRequest.getDefaultInstance()).getNodesCount()).isEqualTo(1);
        } finally {
            ok.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertDaemonsUnchanged();
    }

    private static void assertRefused(String what, ChannelCredentials creds, String target, Function<ManagedChannel, Object> call)
            throws InterruptedException {
        ManagedChannel ch = Grpc.newChannelBuilder(target, creds).build();
        try {
            assertThatThrownBy(() -> call.apply(ch)).as(what).isInstanceOfSatisfying(StatusRuntimeException.class,
                    e -> assertThat(e.getStatus().getCode()).as(what + ": " + e.getStatus()).isEqualTo(Status.Code.UNAVAILABLE));
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static InputStream pem(Object keyOrCert) {
        try {
            String pem = keyOrCert instanceof java.security.cert.X509Certificate c
                    ? "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder().encodeToString(c.getEncoded()) + "\n-----END CERTIFICATE-----\n"
                    : "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(((java.security.PrivateKey) keyOrCert).getEncoded())
                            + "\n-----END PRIVATE KEY-----\n";
            return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- malformed requests -------------------------------------------------------------------------------------

    @Test
    void malformedAndOversizedLocalRequestsGetAnErrorAndTheAgentStaysUp() throws Exception {
        assertThat(rawLocal(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)).getError())
                .isEqualTo("malformed request (bad length prefix): use the roam command of this version");
        assertThat(rawLocal(bytes(0x80, 0x80, 0x80, 0x80, 0x04)).getError())   // 1 GiB
                .isEqualTo("request too large (1073741824 bytes; at most 4 MiB): pass large data through files");
        assertThat(rawLocal(bytes(100, 0x12, 0x05, 'a', 'b')).getError())
                .isEqualTo("truncated request (4 of 100 bytes): use the roam command of this version");
        assertThat(rawLocal(bytes(3, 0x12, 0x7f, 0x01)).getError()).startsWith("malformed request (");

        Done empty = local(LocalRequest.newBuilder().setRun(RunCmd.newBuilder().setCwd("/")).build());
        assertThat(empty.getExitCode()).isEqualTo(2);
        assertThat(empty.getError()).isEqualTo("nothing to run: give a command after --");
        Done hugeEnv = local(LocalRequest.newBuilder().setRun(RunCmd.newBuilder().addArgv("/bin/true").setCwd("/")
                .putEnv("BIG", "x".repeat(10 << 20))).build());
        assertThat(hugeEnv.getError()).startsWith("request too large (");
        Done longName = local(LocalRequest.newBuilder().setRun(RunCmd.newBuilder().addArgv("/bin/true").setCwd("/")
                .setName("n".repeat(1000))).build());
        assertThat(longName.getExitCode()).isEqualTo(2);
        assertThat(longName.getError()).startsWith("invalid job name 'nnnn").endsWith("starting with a letter or digit").hasSizeLessThan(200);
        roam.run("run", "--name", "target", "--", "sleep", "600").ok();
        Done badSignal = local(LocalRequest.newBuilder().setKill(KillCmd.newBuilder().setJob("target").setSignal(999)).build());
        assertThat(badSignal.getError()).isEqualTo("invalid signal 999: use 1-64 (default 15, SIGTERM)");
        for (String id : List.of("../../etc", "/etc/passwd", "a/../../b")) {
            Done traversal = local(LocalRequest.newBuilder().setLogs(LogsCmd.newBuilder().setJob(id)).build());
            assertThat(traversal.getError()).as(id).startsWith("invalid job name '" + id + "'");
            Done kill = local(LocalRequest.newBuilder().setKill(KillCmd.newBuilder().setJob(id)).build());
            assertThat(kill.getError()).as(id).startsWith("invalid job name '" + id + "'");
        }
        // a client that connects and says nothing is cut off instead of holding a slot for ever
        try (SocketChannel idle = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            idle.connect(UnixDomainSocketAddress.of(roam.home.resolve("agent.sock")));
            long t0 = System.nanoTime();
            int n = Channels.newInputStream(idle).read();
            assertThat(n).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
        }
        assertThat(roam.state("target")).isEqualTo("RUNNING");
        roam.run("kill", "target").ok();
        roam.run("ps", "-a").ok();
        assertDaemonsUnchanged();
    }

    @Test
    void oversizedAndAbsurdGrpcCallsWithAClusterCertificateGetAClearError() throws Exception {
        String coordinator = Files.readString(roam.home.resolve("coordinator.addr")).strip();
        Identity member = Identity.loadOrIssue(ClusterCa.loadOrCreate(roam.home.resolve("ca")), tmp.resolve("grpc-ids"), "agent-n1");
        ManagedChannel ch = Tls.channel(coordinator, member);
        try {
            var stub = CoordinatorGrpc.newBlockingStub(ch);
            Caller nobody = Caller.newBuilder().setUid(U).setGid(UG).setUser("nobody").build();
            JobSpec.Builder many = JobSpec.newBuilder().setUid(U).setGid(UG).setCwd("/").addArgv("/bin/true");
            for (int i = 0; i < 100_000; i++) many.addArgv("a");
            assertThatThrownBy(() -> stub.withDeadlineAfter(30, TimeUnit.SECONDS).submit(SubmitRequest.newBuilder().setCaller(nobody).setSpec(many).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).isEqualTo("the command has 100001 arguments, more than 32768: pass long inputs in a file");
                    });
            JobSpec bigEnv = JobSpec.newBuilder().setUid(U).setGid(UG).setCwd("/").addArgv("/bin/true").putEnv("BIG", "x".repeat(2 << 20)).build();
            assertThatThrownBy(() -> stub.withDeadlineAfter(30, TimeUnit.SECONDS).submit(SubmitRequest.newBuilder().setCaller(nobody).setSpec(bigEnv).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).startsWith("the job's command line and environment take ").endsWith("KiB: pass large inputs in files");
                    });
            JobSpec huge = JobSpec.newBuilder().setUid(U).setGid(UG).setCwd("/").addArgv("/bin/true").putEnv("BIG", "x".repeat(17 << 20)).build();
            assertThatThrownBy(() -> stub.withDeadlineAfter(30, TimeUnit.SECONDS).submit(SubmitRequest.newBuilder().setCaller(nobody).setSpec(huge).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
            assertThat(stub.withDeadlineAfter(10, TimeUnit.SECONDS).listNodes(ListNodesRequest.getDefaultInstance()).getNodesCount()).isEqualTo(1);
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        roam.run("ps", "-a").ok();
        assertDaemonsUnchanged();
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** Runs bin/roam as uid:gid (no supplementary groups), in the temp dir the users can reach. */
    static Roam.Result as(int uid, int gid, String... args) { return roam.runAs(uid, gid, tmp, args); }

    private static boolean mainHasMigrate() {
        Roam.Result help = roam.run("migrate", "--help");
        return help.exit() == 0 && help.out().contains("Usage: roam migrate");
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !state(pid).startsWith("Z");
    }

    /** The host pid of the job process (its comm is sh) whose command line holds the marker. */
    private static long jobPid(String marker) {
        long[] found = {-1};
        eventually(Duration.ofSeconds(30), "the process of " + marker, () -> {
            found[0] = ProcessHandle.allProcesses().filter(p -> cmdline(p.pid()).contains(marker) && comm(p.pid()).equals("sh")
                    && !state(p.pid()).startsWith("Z")).mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
            return found[0] > 0;
        });
        return found[0];
    }

    private static String status(long pid, String key) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(l -> l.startsWith(key + ":")).map(l -> l.substring(key.length() + 1).strip()).findFirst().orElse("");
        } catch (IOException e) {
            return "";
        }
    }

    private static String uids(long pid) { return status(pid, "Uid"); }

    private static String capEff(long pid) { return status(pid, "CapEff"); }

    private static String state(long pid) { return status(pid, "State"); }

    private static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String agentAddress() {
        for (String line : roam.run("nodes").ok().out().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 1 && f[0].equals("n1")) return f[1];
        }
        throw new AssertionError("n1 not in roam nodes");
    }

    /** The supervisors (pid files in run/) and their children, the daemons. */
    private static Set<Long> daemonPids() throws IOException {
        Set<Long> pids = new TreeSet<>();
        try (var files = Files.list(roam.home.resolve("run"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".supervise.pid")).toList()) {
                long sup = Long.parseLong(Files.readString(f).strip());
                pids.add(sup);
                ProcessHandle.of(sup).ifPresent(h -> h.children().filter(c -> comm(c.pid()).equals("java")).forEach(c -> pids.add(c.pid())));
            }
        }
        return pids;
    }

    private static void assertDaemonsUnchanged() throws IOException {
        assertThat(daemonPids()).as("supervisor and daemon pids").isEqualTo(daemons);
        for (long pid : daemons) assertThat(alive(pid)).as("pid %d alive", pid).isTrue();
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) out[i] = (byte) b[i];
        return out;
    }

    /** Sends a well-formed request over the agent's socket as root; returns the Done. */
    private static Done local(LocalRequest req) throws IOException {
        var buf = new ByteArrayOutputStream();
        req.writeDelimitedTo(buf);
        return rawLocal(buf.toByteArray());
    }

    /** Sends raw bytes over the agent's socket, half-closes, and reads replies until the Done. */
    private static Done rawLocal(byte[] bytes) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(roam.home.resolve("agent.sock")));
            ByteBuffer b = ByteBuffer.wrap(bytes);
            try {
                while (b.hasRemaining()) ch.write(b);
                ch.shutdownOutput();
            } catch (IOException e) {
                // the agent may answer and close before reading everything (request too large)
            }
            InputStream in = Channels.newInputStream(ch);
            while (true) {
                LocalReply r = LocalReply.parseDelimitedFrom(in);
                if (r == null) throw new AssertionError("the agent closed the connection without a Done");
                if (r.hasDone()) return r.getDone();
            }
        }
    }
}
