package io.roam.e2e;

import static io.roam.e2e.Roam.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local cluster of three nodes ({@code roam up --nodes 3}), each agent in its own network namespace on a bridge:
 * placement spreads jobs, --node pins them, a job's listener answers at its node's address, a killed agent is down at
 * once, another roam home joins with the token, and {@code roam down} removes the network unless jobs still live in it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(DaemonLogsOnFailure.class)
class ClusterIT {
    @TempDir static Path tmp;
    static Roam roam;
    static String id;
    static String subnet;
    static final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void up() throws Exception {
        roam = new Roam(tmp.resolve("home"));
        var up = roam.run("up", "--nodes", "3").ok();
        assertThat(up.out()).contains("started agent n1", "started agent n2", "started agent n3", "local cluster: 3 node(s)");
        id = roam.localId();
        subnet = Files.readString(roam.home.resolve("run/network")).strip();
    }

    @AfterAll
    static void down() {
        started.forEach(Process::destroyForcibly);
        if (roam != null) {
            roam.run("down", "--force");
            roam.close();
            new Roam(tmp.resolve("other")).close();
        }
    }

    /** node → jobs on it, from roam ps. */
    static Map<String, List<String>> placement() {
        var out = new HashMap<String, List<String>>();
        for (String line : roam.run("ps").ok().out().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 2 && !f[0].equals("ID") && f[2].equals("RUNNING")) out.computeIfAbsent(f[1], k -> new ArrayList<>()).add(f[0]);
        }
        return out;
    }

    static String nodeState(String node) {
        for (String line : roam.run("nodes").ok().out().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 2 && f[0].equals(node)) return f[2];
        }
        return "ABSENT";
    }

    static void killAll() {
        placement().values().forEach(jobs -> jobs.forEach(j -> roam.run("kill", "--signal", "KILL", j).ok()));
        eventually(Duration.ofSeconds(20), "no job running", () -> placement().isEmpty());
    }

    @Test
    @Order(1)
    void eachNodeHasItsNamespaceAndAddress() {
        String nodes = roam.run("nodes").ok().out();
        for (int k = 1; k <= 3; k++) {
            assertThat(nodes).containsPattern("n" + k + "\\s+" + subnet.replace(".", "\\.") + "\\." + (10 + k) + ":\\d+\\s+up");
            assertThat(ip("netns", "list")).contains("roam-" + id + "-n" + k);
        }
        assertThat(ip("-4", "addr", "show", "dev", "rm" + id)).contains(subnet + ".1/24");
        assertThat(roam.home.resolve("nodes/n2/agent.sock")).exists();
    }

    @Test
    @Order(2)
    void placementSpreadsJobsOverTheNodes() {
        for (int i = 0; i < 9; i++) roam.run("run", "--", "sleep", "300").ok();
        Map<String, List<String>> where = placement();
        assertThat(where.keySet()).as("nodes that got jobs: %s", where).containsExactlyInAnyOrder("n1", "n2", "n3");
        killAll();
    }

    @Test
    @Order(3)
    void pinnedJobsLandOnTheirNodeAndAreReachable() throws Exception {
        roam.run("run", "--name", "pinned", "--node", "n2", "--", "sh", "-c", "echo at $(hostname -I); sleep 300").ok();
        assertThat(placement().get("n2")).contains("pinned");
        eventually(Duration.ofSeconds(20), "pinned printed its address", () -> roam.logs("pinned").contains("at " + subnet + ".12"));

        var unknown = roam.run("run", "--node", "n9", "--", "true");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err().strip()).doesNotContain("\n").contains("no such node: n9");

        roam.run("run", "--name", "web", "--node", "n3", "--", "python3", "-m", "http.server", "8765", "--bind", "0.0.0.0").ok();
        String url = "http://" + subnet + ".13:8765/";
        eventually(Duration.ofSeconds(30), "the job's listener answers at n3's address", () -> get(url).contains("Directory listing"));
        assertThat(roam.run("logs", "--stderr", "web").err()).contains("GET / HTTP");

        // CRIU in the agent's namespace: the listener comes back at the same address
        String checkpoint = roam.run("checkpoint", "web").ok().line();
        assertThat(roam.state("web")).isEqualTo("CHECKPOINTED");
        roam.run("restore", checkpoint).ok();
        assertThat(placement().get("n3")).contains("web");
        eventually(Duration.ofSeconds(30), "the restored listener answers", () -> get(url).contains("Directory listing"));

        roam.run("kill", "web").ok();
        roam.run("wait", "--timeout", "20s", "web");
        assertThat(roam.state("web")).isNotEqualTo("RUNNING");
        killAll();
    }

    @Test
    @Order(4)
    void aKilledAgentIsDownWithinSecondsAndPinningToItIsRefused() throws Exception {
        long supervisor = Long.parseLong(Files.readString(roam.home.resolve("run/agent-n3.supervise.pid")).strip());
        ProcessHandle agent = ProcessHandle.of(supervisor).orElseThrow().children()
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains("--node n3")).orElse(false))
                .findFirst().orElseThrow();
        long killed = System.nanoTime();
        agent.destroyForcibly();
        eventually(Duration.ofSeconds(5), "n3 down", () -> nodeState("n3").equals("down"));
        assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofSeconds(5));
        var pinned = roam.run("run", "--node", "n3", "--", "true");
        assertThat(pinned.exit()).isEqualTo(1);
        assertThat(pinned.err()).contains("node n3 is down");
        for (int i = 0; i < 4; i++) assertThat(roam.run("run", "--", "sleep", "300").ok().line()).isNotEmpty();
        assertThat(placement()).doesNotContainKey("n3");
        killAll();

        assertThat(roam.run("up").ok().out()).containsPattern("(re)?started agent n3");
        eventually(Duration.ofSeconds(10), "n3 up again", () -> nodeState("n3").equals("up"));
    }

    @Test
    @Order(5)
    void anotherHomeJoinsWithTheToken() throws Exception {
        String line = Files.readString(roam.home.resolve("coordinator.join")).strip();
        assertThat(line).startsWith("roam agent --join " + subnet + ".1:");
        String[] words = line.split(" ");
        String join = words[3], token = words[5];
        Path other = tmp.resolve("other");

        String wrong = token.substring(0, token.length() - 1) + (token.endsWith("0") ? "1" : "0");
        var refused = new Roam(other).run("agent", "--state-dir", other.toString(), "--join", join, "--token", wrong,
                "--node", "n9", "--listen", "127.0.0.1:0");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("roam: error: cannot join the cluster", "join token is not this cluster's");
        assertThat(nodeState("n9")).isEqualTo("ABSENT");

        Process agent = start(other, "agent", "--state-dir", other.toString(), "--join", join, "--token", token,
                "--node", "n9", "--listen", "127.0.0.1:0");
        eventually(Duration.ofSeconds(30), "n9 up", () -> nodeState("n9").equals("up"));
        assertThat(other.resolve("nodes/n9/joined/cert.der")).exists();
        assertThat(other.resolve("ca")).as("a joined machine holds no CA").doesNotExist();
        roam.run("run", "--name", "far", "--node", "n9", "--", "sh", "-c", "echo far away; sleep 300").ok();
        eventually(Duration.ofSeconds(10), "far wrote its output on the other home",
                () -> read(other.resolve("spool/far/out")).contains("far away"));
        roam.run("kill", "far").ok();
        assertThat(roam.run("wait", "--timeout", "20s", "far").exit()).isEqualTo(143);

        agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        eventually(Duration.ofSeconds(5), "n9 down", () -> nodeState("n9").equals("down"));
    }

    @Test
    @Order(6)
    void downKeepsTheNetworkWhileJobsLiveInItAndForceRemovesIt() {
        roam.run("run", "--name", "lingers", "--node", "n2", "--", "sleep", "300").ok();
        var down = roam.run("down").ok();
        assertThat(down.out()).contains("kept the local network (bridge rm" + id + ")");
        assertThat(ip("netns", "list")).contains("roam-" + id + "-n2");

        var forced = roam.run("down", "--force").ok();
        assertThat(forced.out()).contains("removed the local network");
        assertThat(ip("netns", "list")).doesNotContain("roam-" + id + "-");
        assertThat(ip("link", "show")).doesNotContain("rm" + id).doesNotContain("rv" + id);
    }

    private static Process start(Path home, String... args) throws IOException {
        var cmd = new ArrayList<String>();
        cmd.add(Path.of(System.getProperty("roam.dist", "../dist/target/roam")).toAbsolutePath().normalize().resolve("bin/roam").toString());
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("other-agent.log").toFile());
        pb.environment().put("ROAM_HOME", home.toString());
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static String get(String url) {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static String ip(String... args) {
        var cmd = new ArrayList<String>();
        cmd.add("ip");
        cmd.addAll(List.of(args));
        return Roam.command(Duration.ofSeconds(10), cmd.toArray(String[]::new));
    }

}
