package io.roam.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.e2e.NetJobs.Client;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed migration of a --net job gives the source its address back. Every agent of this two-node cluster corrupts
 * the images it sends ({@code ROAM_FAULT=corrupt-transfer}), so the target refuses the image after the job was dumped
 * and its plumbing removed on the source; the job is restored there, in a new namespace with the same address, and the
 * client's connection goes on. A live (post-copy) move meets the same refusal after the source's criu froze the job
 * and took its connections into TCP repair: the source takes it back in place (same process), with its route and its
 * connections, and the client's connection goes on there too.
 */
@ExtendWith(DaemonLogsOnFailure.class)
class NetRollbackIT {
    @TempDir static Path tmp;
    static Roam roam;
    static NetJobs net;

    @BeforeAll
    static void up() {
        roam = new Roam(tmp.resolve("home"));
        roam.runIn(tmp, Map.of("ROAM_FAULT", "corrupt-transfer"), "up", "--nodes", "2").ok();
        net = new NetJobs(roam, 2);
        roam.awaitNodesUp(2, Duration.ofSeconds(60));
    }

    @AfterAll
    static void down() {
        if (roam != null) {
            roam.run("down", "--force");
            roam.close();
        }
    }

    @Test
    void aRefusedImageResumesTheJobOnTheSourceWithItsAddressAndConnection() throws Exception {
        roam.run("run", "--net", "--name", "back", "--node", "n1", "--", "python3", NetJobs.script("echo_server.py").toString(),
                "7000").ok();
        Roam.eventually(Duration.ofSeconds(20), "back listening", () -> roam.logs0("back").contains("listening"));
        String address = net.column("back", "ADDRESS");
        try (Client client = Client.start(tmp.resolve("back.stop"), "echo_client.py", address, "7000")) {
            long port = client.port();
            Thread.sleep(1000);
            var r = roam.run("migrate", "back", "--to", "n2");
            assertThat(r.exit()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).contains("runs on n1 again");
            assertThat(net.column("back", "NODE")).isEqualTo("n1");
            assertThat(net.column("back", "STATE")).isEqualTo("RUNNING");
            net.assertPlumbedOnlyOn(address, 1);
            Thread.sleep(1000);
            String done = client.finish(Duration.ofSeconds(60));
            assertThat(done).contains("errors=0 ").contains("port=" + port + " ");
            assertThat(NetJobs.field(done, "sent")).isGreaterThan(100);
        }
        assertThat(roam.logs0("back").lines().filter(l -> l.startsWith("connection from")).count()).isEqualTo(1);
        roam.run("kill", "back").ok();
    }

    @Test
    void aRefusedLiveMoveGivesTheFrozenJobItsConnectionAndRouteBackInPlace() throws Exception {
        roam.run("run", "--net", "--name", "lback", "--node", "n1", "--", "python3", NetJobs.script("echo_server.py").toString(),
                "7001").ok();
        Roam.eventually(Duration.ofSeconds(20), "lback listening", () -> roam.logs0("lback").contains("listening"));
        String address = net.column("lback", "ADDRESS");
        long pid = Long.parseLong(roam.run("ps", "--json").ok().out().replaceAll("(?s).*\"id\":\"lback\".*?\"host_pid\":\"?(\\d+).*", "$1"));
        try (Client client = Client.start(tmp.resolve("lback.stop"), "echo_client.py", address, "7001")) {
            long port = client.port();
            Thread.sleep(1000);
            var r = roam.run("migrate", "lback", "--to", "n2", "--live");
            assertThat(r.exit()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).contains("memory pages stay on n1").contains("runs on n1 again");
            assertThat(net.column("lback", "NODE")).isEqualTo("n1");
            assertThat(net.column("lback", "STATE")).isEqualTo("RUNNING");
            assertThat(NetJobs.running(pid)).as("the very process the move started from").isTrue();
            net.assertPlumbedOnlyOn(address, 1);
            Thread.sleep(1000);
            String done = client.finish(Duration.ofSeconds(60));
            assertThat(done).as("its connection came out of TCP repair and criu's lock").contains("errors=0 ").contains("port=" + port + " ");
            assertThat(NetJobs.field(done, "sent")).isGreaterThan(100);
        }
        assertThat(roam.logs0("lback").lines().filter(l -> l.startsWith("connection from")).count()).isEqualTo(1);
        assertThat(roam.logs0("lback")).doesNotContain("Error");
        roam.run("kill", "lback").ok();
    }
}
