package io.roam.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed migration of a --net job gives the source its address back: every agent of this two-node cluster corrupts
 * the images it sends ({@code ROAM_FAULT=corrupt-transfer}), so the target refuses the image after the job was dumped
 * and its plumbing removed on the source; the job is restored there, in a new namespace with the same address, and the
 * client's connection goes on.
 */
class NetRollbackIT {
    @TempDir static Path tmp;
    static Roam roam;

    @BeforeAll
    static void up() {
        roam = new Roam(tmp.resolve("home"));
        roam.runIn(tmp, Map.of("ROAM_FAULT", "corrupt-transfer"), "up", "--nodes", "2").ok();
        NetMigrationIT.roam = roam;
        NetMigrationIT.id = java.util.HexFormat.of().formatHex(sha256(roam.home.toAbsolutePath().normalize().toString())).substring(0, 6);
        Roam.eventually(Duration.ofSeconds(60), "2 nodes up", () -> {
            String n = roam.run("nodes").out();
            return n.contains("n2 ") && !n.contains("down");
        });
    }

    static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
        Path scripts = Path.of(NetRollbackIT.class.getResource("/net/echo_server.py").toURI()).getParent();
        roam.run("run", "--net", "--name", "back", "--node", "n1", "--", "python3", scripts.resolve("echo_server.py").toString(), "7000").ok();
        Roam.eventually(Duration.ofSeconds(20), "back listening", () -> roam.logs0("back").contains("listening"));
        String address = NetMigrationIT.column("back", "ADDRESS");
        Path stop = tmp.resolve("back.stop");
        try (var client = NetMigrationIT.Client.start(stop, "python3", scripts.resolve("echo_client.py").toString(), address, "7000",
                stop.toString())) {
            long port = Long.parseLong(client.next("port ", Duration.ofSeconds(20)).substring(5));
            Thread.sleep(1000);
            var r = roam.run("migrate", "back", "--to", "n2");
            assertThat(r.exit()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).contains("runs on n1 again");
            assertThat(NetMigrationIT.column("back", "NODE")).isEqualTo("n1");
            assertThat(NetMigrationIT.column("back", "STATE")).isEqualTo("RUNNING");
            assertThat(NetMigrationIT.sh("ip", "-n", NetMigrationIT.netns(1), "route")).contains(address + " dev " + NetMigrationIT.veth(address));
            assertThat(NetMigrationIT.sh("ip", "-n", NetMigrationIT.netns(2), "-br", "link")).doesNotContain(NetMigrationIT.veth(address));
            Thread.sleep(1000);
            String done = client.finish(Duration.ofSeconds(60));
            assertThat(done).contains("errors=0 ").contains("port=" + port + " ");
            assertThat(NetMigrationIT.field(done, "sent")).isGreaterThan(100);
        }
        assertThat(roam.logs0("back").lines().filter(l -> l.startsWith("connection from")).count()).isEqualTo(1);
        roam.run("kill", "back").ok();
    }
}
