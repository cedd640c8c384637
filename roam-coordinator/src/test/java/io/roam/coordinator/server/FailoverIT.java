package io.roam.coordinator.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.roam.coordinator.CoordinatorMain;
import io.roam.proto.Caller;
import io.roam.proto.CoordinatorGrpc;
import io.roam.proto.JobInfo;
import io.roam.proto.JobSpec;
import io.roam.proto.JobState;
import io.roam.proto.ListJobsRequest;
import io.roam.proto.ListNodesRequest;
import io.roam.proto.NodeInfo;
import io.roam.proto.NodeLoad;
import io.roam.proto.NodeReport;
import io.roam.proto.RegisterNodeRequest;
import io.roam.proto.SubmitRequest;
import io.roam.rpc.ClusterCa;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coordinator fail-over against a real three-server ZooKeeper ensemble: two `roam coordinator --zookeeper` processes
 * sharing one roam home (its cluster CA), a scripted agent that reports to whichever address answers (as the agent's
 * CoordinatorLink does with --join A,B). The leader is killed with SIGKILL; the standby takes over within seconds
 * with every job exactly once and no job started twice; then one ZooKeeper server dies and the quorum of two carries on.
 */
class FailoverIT {
    private static final Caller ROOT = Caller.newBuilder().setUid(0).setGid(0).setUser("root").build();
    private static final Caller ALICE = Caller.newBuilder().setUid(1000).setGid(1000).setUser("alice").build();
    /**
     * Short, so that the takeover after a SIGKILL takes seconds; long enough that the leader's session outlives its move
     * to another server when one dies (an election among the two left, then the client's reconnect: ~2 s measured here).
     */
    private static final int SESSION_TIMEOUT_MS = 5_000;

    @TempDir Path dir;
    private final List<Process> started = new ArrayList<>();
    private final AtomicBoolean reporting = new AtomicBoolean(true);

    @AfterEach void killAll() throws InterruptedException {
        reporting.set(false);
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test void theStandbyTakesOverWithEveryJobExactlyOnceAndTheQuorumSurvivesAServerLoss() throws Exception {
        try {
            failOverThenLoseEachServer();
        } catch (Throwable t) { // what the coordinators saw is the first thing to read when this fails
            t.addSuppressed(new AssertionError("coordinator A's log:\n" + tail(log("a")) + "\ncoordinator B's log:\n" + tail(log("b"))));
            throw t;
        }
    }

    private void failOverThenLoseEachServer() throws Exception {
        List<InstanceSpec> specs = new ArrayList<>();
        for (int id = 1; id <= 3; id++) specs.add(new InstanceSpec(null, -1, -1, -1, true, id, 500, -1));
        try (TestingCluster zk = new TestingCluster(specs)) {
            zk.start();
            Path home = dir.resolve("home");
            String a = "127.0.0.1:" + freePort(), b = "127.0.0.1:" + freePort();
            Process leader = coordinator(home, a, zk.getConnectString(), "a");
            await("A to lead", Duration.ofSeconds(60), () -> log("a").contains("coordinator ready at " + a) || !leader.isAlive());
            assertThat(leader.isAlive()).as(log("a")).isTrue();
            Process standby = coordinator(home, b, zk.getConnectString(), "b");
            await("B to stand by", Duration.ofSeconds(60), () -> log("b").contains("standing by") || !standby.isAlive());

            ClusterCa ca = ClusterCa.loadOrCreate(home.resolve("ca"));
            Identity client = Identity.loadOrIssue(ca, dir.resolve("ids"), "agent-n1");
            try (FakeAgent agent = new FakeAgent("n1", Identity.loadOrIssue(ca, dir.resolve("ids"), "agent-n1"));
                 Coordinators coordinators = new Coordinators(List.of(a, b), client);
                 // the reporter's own: its failover must not move the one that the single-attempt submits below go to
                 Coordinators reports = new Coordinators(List.of(a, b), client)) {
                coordinators.call(s -> s.registerNode(RegisterNodeRequest.newBuilder().setNode(NodeInfo.newBuilder().setId("n1")
                        .setAddress(agent.address()).setLoad(NodeLoad.newBuilder().setCores(2)).setCriuVersion("4.2.1")).build()));
                Thread reporter = Thread.ofVirtual().start(() -> report(reports));
                for (int i = 0; i < 5; i++) coordinators.once(s -> s.submit(submit("before")));
                assertThat(coordinators.current()).isEqualTo(a);

                long killedAt = System.nanoTime();
                leader.destroyForcibly(); // SIGKILL: no goodbye to ZooKeeper, the session has to expire
                assertThat(leader.waitFor(10, TimeUnit.SECONDS)).isTrue();
                await("B to take over", Duration.ofSeconds(30), () -> log("b").contains("coordinator ready at " + b) || !standby.isAlive());
                Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);
                assertThat(standby.isAlive()).as(log("b")).isTrue();
                assertThat(takeover).as("time until B served").isLessThan(Duration.ofSeconds(15));
                assertThat(Files.readString(home.resolve("coordinator.addr")).strip()).isEqualTo(b);
                // B places new work once n1's reports reach it (the reporter's channel to B may be in gRPC's reconnect
                // backoff from its tries while B stood by): as an agent's first report after a takeover does
                await("B to hear from n1", Duration.ofSeconds(30), () -> nodeUp(coordinators, "n1"));

                // every job once, still running where it was, and none started a second time
                Map<String, Long> ids = jobs(coordinators).stream().collect(Collectors.groupingBy(JobInfo::getId, Collectors.counting()));
                assertThat(ids).hasSize(5).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
                assertThat(jobs(coordinators)).allSatisfy(j -> {
                    assertThat(j.getState()).isEqualTo(JobState.RUNNING);
                    assertThat(j.getNode()).isEqualTo("n1");
                });
                assertThat(agent.starts).hasSize(5);
                assertThat(coordinators.current()).isEqualTo(b);

                // new work goes through B
                for (int i = 0; i < 2; i++) coordinators.once(s -> s.submit(submit("after")));
                assertThat(jobs(coordinators)).hasSize(7);
                assertThat(agent.starts).hasSize(7);

                // lose one of three ZooKeeper servers, each in turn (so also the one B is connected to): two are a quorum
                int expected = 7;
                for (InstanceSpec victim : specs) {
                    assertThat(zk.killServer(victim)).isTrue();
                    jobs(coordinators); // a read (safe to repeat) first: B's session has moved to a live server once it answers
                    coordinators.once(s -> s.submit(submit("quorum")));
                    expected++;
                    assertThat(jobs(coordinators)).as(log("b")).hasSize(expected).allSatisfy(j -> assertThat(j.getState()).isEqualTo(JobState.RUNNING));
                    assertThat(zk.restartServer(victim)).isTrue();
                    // back in the quorum before the next one dies: two servers down at once would be no quorum at all
                    awaitServing(victim);
                }
                assertThat(agent.starts).hasSize(expected);
                System.out.printf("FailoverIT: B served %d ms after A was killed%n", takeover.toMillis());
                assertThat(standby.isAlive()).as(log("b")).isTrue();
                assertThat(log("b")).doesNotContain("lost leadership");

                reporting.set(false);
                reporter.join(Duration.ofSeconds(5));
            }
        }
    }

    /** Until the server takes clients: a ZooKeeper server that has not joined a quorum closes every connection. */
    private static void awaitServing(InstanceSpec server) throws Exception {
        try (CuratorFramework c = CuratorFrameworkFactory.newClient(server.getConnectString(), 5_000, 1_000, new RetryNTimes(60, 500))) {
            c.start();
            assertThat(c.blockUntilConnected(30, TimeUnit.SECONDS)).as("server %d back in the quorum", server.getServerId()).isTrue();
            c.checkExists().forPath("/");
        }
    }

    private static String tail(String log) {
        List<String> lines = log.lines().filter(l -> !l.startsWith("\tat ")).toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    private static SubmitRequest submit(String argv) {
        return SubmitRequest.newBuilder().setCaller(ALICE).setSpec(JobSpec.newBuilder().addArgv("/bin/sleep").addArgv(argv)
                .setCwd("/tmp").setUid(1000).setGid(1000).setUser("alice")).build();
    }

    private static boolean nodeUp(Coordinators c, String node) {
        return c.call(s -> s.listNodes(ListNodesRequest.newBuilder().setCaller(ROOT).build())).getNodesList().stream()
                .anyMatch(n -> n.getId().equals(node) && n.getState().equals("up"));
    }

    private static List<JobInfo> jobs(Coordinators c) {
        return c.call(s -> s.listJobs(ListJobsRequest.newBuilder().setCaller(ROOT).setAll(true).build())).getJobsList();
    }

    /** What a real agent does every second; here every 300 ms so that the node never looks down. */
    private void report(Coordinators coordinators) {
        while (reporting.get()) {
            try {
                coordinators.call(s -> s.reportNode(NodeReport.newBuilder().setNode("n1").setLoad(NodeLoad.newBuilder().setCores(2))
                        .setSentMs(System.currentTimeMillis()).build()));
                Thread.sleep(300);
            } catch (StatusRuntimeException e) {
                // no coordinator leads right now: try again
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Calls go to the first address that answers, like CoordinatorLink with several addresses. */
    private static final class Coordinators implements AutoCloseable {
        private final List<String> addresses;
        private final List<ManagedChannel> channels = new ArrayList<>();
        private volatile int current;

        Coordinators(List<String> addresses, Identity id) {
            this.addresses = addresses;
            for (String a : addresses) channels.add(Tls.channel(a, id));
        }

        String current() { return addresses.get(current); }

        /** One attempt at the coordinator that answered last: for calls that must not be repeated (submit). */
        <T> T once(Function<CoordinatorGrpc.CoordinatorBlockingStub, T> op) {
            return op.apply(CoordinatorGrpc.newBlockingStub(channels.get(current)).withDeadlineAfter(30, TimeUnit.SECONDS));
        }

        /** Tries each coordinator, starting with the last one that answered, for up to 30 s. */
        <T> T call(Function<CoordinatorGrpc.CoordinatorBlockingStub, T> op) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                int i = current;
                try {
                    T result = op.apply(CoordinatorGrpc.newBlockingStub(channels.get(i)).withDeadlineAfter(5, TimeUnit.SECONDS));
                    current = i;
                    return result;
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > deadline) throw e;
                    current = (i + 1) % addresses.size();
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        }

        @Override public void close() throws InterruptedException {
            for (ManagedChannel ch : channels) ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private Process coordinator(Path home, String listen, String zookeeper, String name) throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--sun-misc-unsafe-memory-access=allow", "-D" + io.roam.coordinator.server.Coordinator.SESSION_TIMEOUT_PROPERTY + "=" + SESSION_TIMEOUT_MS,
                "-cp", System.getProperty("java.class.path"), CoordinatorMain.class.getName(),
                "--state-dir", home.toString(), "--listen", listen, "--zookeeper", zookeeper);
        Files.createDirectories(home);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        started.add(p);
        return p;
    }

    private String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void await(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }
}
