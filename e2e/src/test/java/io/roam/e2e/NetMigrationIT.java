package io.roam.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.e2e.NetJobs.Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs with their own network address ({@code roam run --net}) on a real local cluster ({@code roam up --nodes 3}):
 * their TCP connections survive cold migration. The clients run on the host (or as a job without --net on another
 * node), never inside the job.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(DaemonLogsOnFailure.class)
class NetMigrationIT {
    @TempDir static Path tmp;
    static Roam roam;
    static NetJobs net;

    @BeforeAll
    static void up() {
        roam = new Roam(tmp.resolve("home"));
        roam.run("up", "--nodes", "3").ok();
        net = new NetJobs(roam, 3);
        roam.awaitNodesUp(3, Duration.ofSeconds(60));
    }

    @AfterAll
    static void down() {
        if (roam != null) {
            roam.run("down", "--force");
            roam.close();
        }
    }

    static void runEcho(String name, String node, int port) {
        roam.run("run", "--net", "--name", name, "--node", node, "--", "python3", NetJobs.script("echo_server.py").toString(),
                Integer.toString(port)).ok();
        Roam.eventually(Duration.ofSeconds(20), name + " listening", () -> roam.logs0(name).contains("listening"));
    }

    @Test
    @Order(1)
    void anEchoConnectionFromTheHostSurvivesAColdAndThenALiveMigration() throws Exception {
        runEcho("echo", "n1", 7000);
        String address = net.column("echo", "ADDRESS");
        assertThat(address).matches("10\\.\\d+\\.\\d+\\.\\d+");
        String bridgeSubnet = Files.readString(roam.home.resolve("run/network")).strip();
        assertThat(address).as("a job's address is outside the nodes' /24").doesNotStartWith(bridgeSubnet + ".");
        assertThat(NetJobs.sh("ip", "-n", net.netns(1), "-4", "-br", "addr")).as("the job has its own namespace").doesNotContain(address);
        net.assertPlumbedOnlyOn(address, 1);
        assertThat(roam.run("ps", "--json").ok().out()).contains("\"net_address\":\"" + address + "\"");

        try (Client client = Client.start(tmp.resolve("echo.stop"), "echo_client.py", address, "7000")) {
            long port = client.port();
            Thread.sleep(1000);
            net.assertHostNeighbourIs(address, 1);
            assertThat(roam.run("check", "echo").ok().out()).contains("can be checkpointed");
            var there = roam.run("migrate", "echo", "--to", "n2").ok();
            assertThat(there.line()).isEqualTo("n2");
            assertThat(net.column("echo", "NODE")).isEqualTo("n2");
            assertThat(net.column("echo", "ADDRESS")).isEqualTo(address);
            net.assertPlumbedOnlyOn(address, 2);
            net.assertHostNeighbourIs(address, 2);
            Thread.sleep(1000);
            var live = roam.run("migrate", "echo", "--to", "n3", "--live").ok();
            assertThat(live.line()).isEqualTo("n3");
            assertThat(live.err()).contains("all pages arrived on n3");
            // the frozen source copy's veth and route went once its pages were all fetched
            net.assertPlumbedOnlyOn(address, 3);
            net.assertHostNeighbourIs(address, 3);
            Thread.sleep(1000);
            String done = client.finish(Duration.ofSeconds(60));
            assertThat(done).as("client summary").contains("errors=0 ").contains("port=" + port + " ");
            assertThat(NetJobs.field(done, "sent")).as("messages echoed").isGreaterThan(150);
            System.out.println("echo client across two migrations: " + done + "; " + there.err().lines()
                    .filter(l -> l.startsWith("dumped") || l.startsWith("job echo runs")).toList());
        }
        assertThat(roam.logs0("echo").lines().filter(l -> l.startsWith("connection from")).count())
                .as("connections the server accepted (the client never reconnected)").isEqualTo(1);
        // The job's namespace goes with the job: nothing is left on its node.
        roam.run("kill", "echo").ok();
        Roam.eventually(Duration.ofSeconds(20), "echo exited", () -> roam.state("echo").equals("EXITED"));
        Roam.eventually(Duration.ofSeconds(10), "plumbing gone", () -> !NetJobs.sh("ip", "-n", net.netns(3), "-br", "link")
                .contains(NetJobs.veth(address)));
        assertThat(NetJobs.sh("ip", "-n", net.netns(3), "route")).doesNotContain(address);
        assertThat(NetJobs.sh("ip", "netns", "list")).doesNotContain("roamj-");
        roam.run("rm", "echo").ok();
    }

    @Test
    @Order(2)
    void anEstablishedConnectionIsRefusedWithoutNetAndMovesWithIt() throws Exception {
        runEcho("srv", "n1", 7001);
        String address = net.column("srv", "ADDRESS");
        // the other end: a job without --net on n2, sharing n2's namespace
        Path stop = tmp.resolve("plain.stop");
        roam.run("run", "--name", "plain", "--node", "n2", "--", "python3", NetJobs.script("echo_client.py").toString(),
                address, "7001", stop.toString()).ok();
        Roam.eventually(Duration.ofSeconds(20), "plain connected", () -> roam.logs0("plain").contains("port "));
        var refused = roam.run("check", "plain");
        assertThat(refused.out() + refused.err()).contains("has an established TCP connection").contains("needs `roam run --net`");
        var migrate = roam.run("migrate", "plain", "--to", "n3");
        assertThat(migrate.exit()).isEqualTo(1);
        assertThat(migrate.err()).contains("needs `roam run --net`");
        assertThat(net.column("plain", "NODE")).isEqualTo("n2");
        assertThat(roam.run("check", "srv").ok().out()).contains("can be checkpointed");
        assertThat(roam.run("migrate", "srv", "--to", "n3").ok().line()).isEqualTo("n3");
        Thread.sleep(500);
        // a checkpoint and a restore where it was keep the connection too (the same dump and restore path)
        String checkpoint = roam.run("checkpoint", "srv").ok().line();
        assertThat(NetJobs.sh("ip", "-n", net.netns(3), "-br", "link")).doesNotContain(NetJobs.veth(address));
        assertThat(roam.run("restore", checkpoint).ok().line()).isEqualTo("srv");
        net.assertPlumbedOnlyOn(address, 3);
        Thread.sleep(500);
        Files.writeString(stop, "stop");
        Roam.eventually(Duration.ofSeconds(60), "plain done", () -> roam.logs0("plain").contains("done"));
        String done = roam.logs0("plain").lines().filter(l -> l.startsWith("done")).findFirst().orElseThrow();
        assertThat(done).contains("errors=0 ");
        roam.run("kill", "srv").ok();
    }

    @Test
    @Order(3)
    void aRedisWithHalfAGigabyteKeepsItsClientAndEveryKeyAcrossALiveMove() throws Exception {
        int keys = 500_000, size = 1000;
        roam.run("run", "--net", "--name", "redis", "--node", "n1", "--", "redis-server", "--port", "6379", "--save", "",
                "--appendonly", "no", "--protected-mode", "no", "--enable-debug-command", "yes").ok();
        Roam.eventually(Duration.ofSeconds(20), "redis ready", () -> roam.logs0("redis").contains("Ready to accept connections"));
        String address = net.column("redis", "ADDRESS");
        try (Client client = Client.start(tmp.resolve("redis.stop"), "redis_client.py", address, "6379",
                Integer.toString(keys), Integer.toString(size))) {
            long port = client.port();
            assertThat(client.next("filled", Duration.ofSeconds(90))).isEqualTo("filled " + keys);
            Roam.eventually(Duration.ofSeconds(10), "redis's RSS reported", () -> !net.column("redis", "RSS").equals("-"));
            System.out.println("redis RSS before the move: " + net.column("redis", "RSS"));
            var moved = roam.run("migrate", "redis", "--to", "n2", "--live").ok();
            assertThat(moved.line()).isEqualTo("n2");
            assertThat(moved.err()).contains("all pages arrived on n2");
            net.assertPlumbedOnlyOn(address, 2);
            String done = client.finish(Duration.ofSeconds(90));
            assertThat(done).contains("port=" + port + " ").contains("dbsize=" + keys + " ").contains("bad=0 ")
                    .contains("checked=" + keys + " ").endsWith("error=none");
            assertThat(NetJobs.field(done, "pings")).isGreaterThan(0);
            System.out.println("redis client across the move: " + done + "; " + moved.err().lines()
                    .filter(l -> l.startsWith("dumped") || l.startsWith("job redis runs") || l.startsWith("all pages")).toList());
        }
        roam.run("kill", "--signal", "KILL", "redis").ok();
    }

    @Test
    @Order(4)
    void downForceTakesTheJobsNamespacesAlong() {
        roam.run("run", "--net", "--name", "last", "--node", "n2", "--", "sleep", "600").ok();
        Roam.eventually(Duration.ofSeconds(20), "last running", () -> roam.state("last").equals("RUNNING"));
        long pid = Long.parseLong(roam.run("ps", "--json").ok().out().replaceAll("(?s).*\"id\":\"last\".*?\"host_pid\":\"?(\\d+).*", "$1"));
        assertThat(NetJobs.running(pid)).isTrue();
        var down = roam.run("down", "--force").ok();
        assertThat(down.out()).contains("removed the local network");
        Roam.eventually(Duration.ofSeconds(10), "the --net job's init gone", () -> !NetJobs.running(pid));
        assertThat(NetJobs.sh("ip", "netns", "list")).doesNotContain("roam-" + net.id + "-");
        assertThat(NetJobs.sh("ip", "-br", "link")).doesNotContain("rm" + net.id);
        assertThat(List.of(NetJobs.sh("ls", "/run/netns").split("\\s+"))).noneMatch(n -> n.startsWith("roamj-"));
    }
}
