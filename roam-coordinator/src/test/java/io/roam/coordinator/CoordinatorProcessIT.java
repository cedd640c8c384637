package io.roam.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.roam.proto.Caller;
import io.roam.proto.CoordinatorGrpc;
import io.roam.proto.JobSpec;
import io.roam.proto.ListNodesRequest;
import io.roam.proto.SubmitRequest;
import io.roam.rpc.ClusterCa;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `roam coordinator` as a real process: readiness file, mTLS service, SIGTERM, and a standby taking over. */
class CoordinatorProcessIT {
    @TempDir Path dir;
    private final List<Process> started = new ArrayList<>();

    @AfterEach void killAll() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process coordinator(Path home, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                CoordinatorMain.class.getName(), "--state-dir", home.toString(), "--listen", "127.0.0.1:0"));
        cmd.addAll(List.of(extra));
        Files.createDirectories(home);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(home.resolve("out.log").toFile()).start();
        started.add(p);
        return p;
    }

    private static void await(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    private static String log(Path home) {
        try {
            return Files.readString(home.resolve("out.log"));
        } catch (IOException e) {
            return "";
        }
    }

    @Test void servesOverMutualTlsAndStopsCleanlyOnSigterm() throws Exception {
        Path home = dir.resolve("home");
        Process p = coordinator(home);
        Path addr = home.resolve("coordinator.addr");
        await("coordinator.addr", Duration.ofSeconds(60), () -> Files.exists(addr) || !p.isAlive());
        assertThat(p.isAlive()).as(log(home)).isTrue();
        String address = Files.readString(addr).strip();
        assertThat(address).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(log(home)).contains("coordinator ready at " + address);
        assertThat(home.resolve("coordinator/zk/data")).isDirectory();

        Identity cli = Identity.loadOrIssue(ClusterCa.loadOrCreate(home.resolve("ca")), dir.resolve("ids"), "cli");
        ManagedChannel ch = Tls.channel(address, cli);
        try {
            var stub = CoordinatorGrpc.newBlockingStub(ch);
            assertThat(stub.withDeadlineAfter(10, TimeUnit.SECONDS).listNodes(ListNodesRequest.getDefaultInstance()).getNodesList()).isEmpty();
            try {
                stub.withDeadlineAfter(10, TimeUnit.SECONDS).submit(SubmitRequest.newBuilder().setCaller(Caller.newBuilder().setUid(1000))
                        .setSpec(JobSpec.newBuilder().setUid(1000).addArgv("/bin/true")).build());
                throw new AssertionError("submit without nodes succeeded");
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(e.getStatus().getDescription()).isEqualTo("no node has joined the cluster: start an agent (roam up starts them)");
            }
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }

        p.destroy(); // SIGTERM
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(addr).doesNotExist();
        assertThat(log(home)).contains("coordinator stopped");
    }

    @Test void aStandbyServesOnlyOnceTheLeaderIsGone() throws Exception {
        try (TestingServer zk = new TestingServer(true)) {
            Path first = dir.resolve("first"), second = dir.resolve("second");
            Process leader = coordinator(first, "--zookeeper", zk.getConnectString());
            await("the leader", Duration.ofSeconds(60), () -> Files.exists(first.resolve("coordinator.addr")) || !leader.isAlive());
            Process standby = coordinator(second, "--zookeeper", zk.getConnectString());
            await("the standby to stand by", Duration.ofSeconds(60), () -> log(second).contains("standing by") || !standby.isAlive());
            assertThat(second.resolve("coordinator.addr")).doesNotExist();

            leader.destroy();
            assertThat(leader.waitFor(30, TimeUnit.SECONDS)).isTrue();
            await("the standby to take over", Duration.ofSeconds(60), () -> Files.exists(second.resolve("coordinator.addr")) || !standby.isAlive());
            assertThat(standby.isAlive()).as(log(second)).isTrue();
            // the address file comes first, the log line a moment later
            await("the standby's ready line", Duration.ofSeconds(30), () -> log(second).contains("coordinator ready at"));
            assertThat(log(second)).contains("this coordinator is the leader", "coordinator ready at");
            standby.destroy();
            assertThat(standby.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
