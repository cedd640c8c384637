package io.roam.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs with their own network address ({@code roam run --net}) on a real local cluster ({@code roam up --nodes 3}):
 * their TCP connections survive a cold migration. The clients run on the host, outside the job and its node.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetMigrationIT {
    @TempDir static Path tmp;
    static Roam roam;
    static String id;
    static Path scripts;

    @BeforeAll
    static void up() throws Exception {
        roam = new Roam(tmp.resolve("home"));
        roam.run("up", "--nodes", "3").ok();
        id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(roam.home.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8))).substring(0, 6);
        scripts = Path.of(NetMigrationIT.class.getResource("/net/echo_server.py").toURI()).getParent();
        Roam.eventually(Duration.ofSeconds(60), "3 nodes up", () -> {
            String n = roam.run("nodes").out();
            return n.contains("n3 ") && !n.contains("down");
        });
    }

    @AfterAll
    static void down() {
        if (roam != null) {
            roam.run("down", "--force");
            roam.close();
        }
    }

    /** Alive and not a zombie (this machine's PID 1 does not reap orphans). */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return false;
        }
    }

    static String netns(int k) { return "roam-" + id + "-n" + k; }

    static String sh(String... cmd) { return Roam.command(Duration.ofSeconds(30), cmd); }

    /** The job's column in `roam ps`. */
    static String column(String job, String column) {
        return Roam.psRows(roam.run("ps", "-a").ok().out()).stream().filter(r -> r.get("ID").equals(job)).findFirst()
                .map(r -> r.get(column)).orElse("");
    }

    /** The interface that carries a job's address on a node: rj + its 8 hex digits. */
    static String veth(String address) {
        String hex = "";
        for (String part : address.split("\\.")) hex += String.format("%02x", Integer.parseInt(part));
        return "rj" + hex;
    }

    static void assertPlumbedOnlyOn(String address, int node) {
        for (int k = 1; k <= 3; k++) {
            String links = sh("ip", "-n", netns(k), "-br", "link");
            String routes = sh("ip", "-n", netns(k), "route");
            if (k == node) {
                assertThat(links).as("n%d links", k).contains(veth(address));
                assertThat(routes).as("n%d routes", k).contains(address + " dev " + veth(address));
            } else {
                int other = k;
                Roam.eventually(Duration.ofSeconds(10), veth(address) + " gone from n" + k,
                        () -> !sh("ip", "-n", netns(other), "-br", "link").contains(veth(address)));
                assertThat(sh("ip", "-n", netns(k), "route")).as("n%d routes", k).doesNotContain(address + " dev");
            }
        }
    }

    /** A client process on the host, its output lines queued. */
    record Client(Process process, BlockingQueue<String> lines, Path stop) implements AutoCloseable {
        static Client start(Path stop, String... cmd) throws IOException {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            BlockingQueue<String> q = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try (var r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) q.add(l);
                } catch (IOException e) {
                    q.add("client output lost: " + e.getMessage());
                }
            });
            return new Client(p, q, stop);
        }

        String next(String prefix, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            StringBuilder seen = new StringBuilder();
            while (System.nanoTime() < deadline) {
                String l = lines.poll(100, TimeUnit.MILLISECONDS);
                if (l == null) continue;
                if (l.startsWith(prefix)) return l;
                seen.append(l).append('\n');
            }
            throw new AssertionError("the client printed no '" + prefix + "' line within " + timeout + "; it printed:\n" + seen);
        }

        String finish(Duration timeout) throws Exception {
            Files.writeString(stop, "stop");
            return next("done", timeout);
        }

        @Override
        public void close() { process.destroyForcibly(); }
    }

    static long field(String line, String name) {
        Matcher m = Pattern.compile(name + "=(\\d+)").matcher(line);
        assertThat(m.find()).as("%s in %s", name, line).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    @Order(1)
    void anEchoConnectionFromTheHostSurvivesColdMigrationThereAndBack() throws Exception {
        roam.run("run", "--net", "--name", "echo", "--node", "n1", "--", "python3", scripts.resolve("echo_server.py").toString(), "7000").ok();
        Roam.eventually(Duration.ofSeconds(20), "echo listening", () -> roam.logs0("echo").contains("listening"));
        String address = column("echo", "ADDRESS");
        assertThat(address).matches("10\\.\\d+\\.\\d+\\.\\d+");
        String bridgeSubnet = Files.readString(roam.home.resolve("run/network")).strip();
        assertThat(address).as("a job's address is outside the nodes' /24").doesNotStartWith(bridgeSubnet + ".");
        assertThat(sh("ip", "-n", netns(1), "-4", "-br", "addr")).as("the job has its own namespace").doesNotContain(address);
        assertPlumbedOnlyOn(address, 1);
        String json = roam.run("ps", "--json").ok().out();
        assertThat(json).contains("\"net_address\":\"" + address + "\"");

        try (Client client = Client.start(tmp.resolve("echo.stop"), "python3", scripts.resolve("echo_client.py").toString(),
                address, "7000", tmp.resolve("echo.stop").toString())) {
            long port = Long.parseLong(client.next("port ", Duration.ofSeconds(20)).substring(5));
            Thread.sleep(1000);
            assertThat(roam.run("check", "echo").ok().out()).contains("can be checkpointed");
            var there = roam.run("migrate", "echo", "--to", "n2").ok();
            assertThat(there.line()).isEqualTo("n2");
            assertThat(column("echo", "NODE")).isEqualTo("n2");
            assertThat(column("echo", "ADDRESS")).isEqualTo(address);
            assertPlumbedOnlyOn(address, 2);
            Thread.sleep(1000);
            assertThat(roam.run("migrate", "echo", "--to", "n3").ok().line()).isEqualTo("n3");
            assertPlumbedOnlyOn(address, 3);
            Thread.sleep(1000);
            String done = client.finish(Duration.ofSeconds(60));
            assertThat(done).as("client summary").contains("errors=0 ").contains("port=" + port + " ");
            assertThat(field(done, "sent")).as("messages echoed").isGreaterThan(150);
            System.out.println("echo client across two migrations: " + done + "; " + there.err().lines()
                    .filter(l -> l.startsWith("dumped") || l.startsWith("job echo runs")).toList());
        }
        assertThat(roam.logs0("echo").lines().filter(l -> l.startsWith("connection from")).count())
                .as("connections the server accepted (the client never reconnected)").isEqualTo(1);
        // The job's namespace is gone with the job: nothing is left on its node.
        roam.run("kill", "echo").ok();
        Roam.eventually(Duration.ofSeconds(20), "echo exited", () -> roam.state("echo").equals("EXITED"));
        Roam.eventually(Duration.ofSeconds(10), "plumbing gone", () -> !sh("ip", "-n", netns(3), "-br", "link").contains(veth(address)));
        assertThat(sh("ip", "netns", "list")).doesNotContain("roamj-");
        roam.run("rm", "echo").ok();
    }

    @Test
    @Order(2)
    void anEstablishedConnectionIsRefusedWithoutNetAndAcceptedWithIt() throws Exception {
        roam.run("run", "--net", "--name", "srv", "--node", "n1", "--", "python3", scripts.resolve("echo_server.py").toString(), "7001").ok();
        Roam.eventually(Duration.ofSeconds(20), "srv listening", () -> roam.logs0("srv").contains("listening"));
        String address = column("srv", "ADDRESS");
        // a client job without --net, on another node, connected to the --net job: it shares n2's namespace
        Path stop = tmp.resolve("plain.stop");
        roam.run("run", "--name", "plain", "--node", "n2", "--", "python3", scripts.resolve("echo_client.py").toString(),
                address, "7001", stop.toString()).ok();
        Roam.eventually(Duration.ofSeconds(20), "plain connected", () -> roam.logs0("plain").contains("port "));
        var refused = roam.run("check", "plain");
        assertThat(refused.out() + refused.err()).contains("has an established TCP connection").contains("needs `roam run --net`");
        var migrate = roam.run("migrate", "plain", "--to", "n3");
        assertThat(migrate.exit()).isEqualTo(1);
        assertThat(migrate.err()).contains("needs `roam run --net`");
        assertThat(column("plain", "NODE")).isEqualTo("n2");
        // the --net side of the same connection moves
        assertThat(roam.run("check", "srv").ok().out()).contains("can be checkpointed");
        assertThat(roam.run("migrate", "srv", "--to", "n3").ok().line()).isEqualTo("n3");
        Thread.sleep(500);
        Files.writeString(stop, "stop");
        Roam.eventually(Duration.ofSeconds(60), "plain done", () -> roam.logs0("plain").contains("done"));
        String done = roam.logs0("plain").lines().filter(l -> l.startsWith("done")).findFirst().orElseThrow();
        assertThat(done).contains("errors=0 ");
        roam.run("kill", "srv").ok();
    }

    @Test
    @Order(3)
    void aRedisWithHalfAGigabyteKeepsItsClientAndEveryKeyAcrossAMove() throws Exception {
        int keys = 500_000, size = 1000;
        roam.run("run", "--net", "--name", "redis", "--node", "n1", "--", "redis-server", "--port", "6379", "--save", "",
                "--appendonly", "no", "--protected-mode", "no", "--enable-debug-command", "yes").ok();
        Roam.eventually(Duration.ofSeconds(20), "redis ready", () -> roam.logs0("redis").contains("Ready to accept connections"));
        String address = column("redis", "ADDRESS");
        try (Client client = Client.start(tmp.resolve("redis.stop"), "python3", scripts.resolve("redis_client.py").toString(),
                address, "6379", tmp.resolve("redis.stop").toString(), Integer.toString(keys), Integer.toString(size))) {
            long port = Long.parseLong(client.next("port ", Duration.ofSeconds(20)).substring(5));
            assertThat(client.next("filled", Duration.ofSeconds(90))).isEqualTo("filled " + keys);
            Roam.eventually(Duration.ofSeconds(10), "redis's RSS reported", () -> !column("redis", "RSS").equals("-"));
            System.out.println("redis RSS before the move: " + column("redis", "RSS"));
            var moved = roam.run("migrate", "redis", "--to", "n2", "--mode", "cold").ok();
            assertThat(moved.line()).isEqualTo("n2");
            assertPlumbedOnlyOn(address, 2);
            String done = client.finish(Duration.ofSeconds(90));
            assertThat(done).contains("port=" + port + " ").contains("dbsize=" + keys + " ").contains("bad=0 ")
                    .contains("checked=" + keys / 1000 + " ").endsWith("error=none");
            assertThat(field(done, "pings")).isGreaterThan(0);
            System.out.println("redis client across the move: " + done + "; " + moved.err().lines()
                    .filter(l -> l.startsWith("dumped") || l.startsWith("job redis runs")).toList());
        }
        roam.run("kill", "--signal", "KILL", "redis").ok();
    }

    @Test
    @Order(4)
    void downForceTakesTheJobsNamespacesAlong() throws Exception {
        roam.run("run", "--net", "--name", "last", "--node", "n2", "--", "sleep", "600").ok();
        Roam.eventually(Duration.ofSeconds(20), "last running", () -> roam.state("last").equals("RUNNING"));
        long pid = Long.parseLong(roam.run("ps", "--json").ok().out().replaceAll("(?s).*\"id\":\"last\".*?\"host_pid\":\"?(\\d+).*", "$1"));
        assertThat(running(pid)).isTrue();
        var down = roam.run("down", "--force").ok();
        assertThat(down.out()).contains("removed the local network");
        Roam.eventually(Duration.ofSeconds(10), "the --net job's init gone", () -> !running(pid));
        assertThat(sh("ip", "netns", "list")).doesNotContain("roam-" + id + "-");
        assertThat(sh("ip", "-br", "link")).doesNotContain("rm" + id);
        List<String> left = List.of(sh("ls", "/run/netns").split("\\s+"));
        assertThat(left).noneMatch(n -> n.startsWith("roamj-"));
    }
}
