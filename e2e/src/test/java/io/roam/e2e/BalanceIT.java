package io.roam.e2e;

import static io.roam.e2e.Roam.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's balancing loop and owner-return eviction on a real {@code roam up --nodes 3} (roam's own policy,
 * a 3 s owner grace period): a burst of CPU-bound jobs started on n1 spreads out by real cold migrations, and simulated
 * owner activity on n2 moves its guests away; {@code roam events} says why each time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(DaemonLogsOnFailure.class)
class BalanceIT {
    private static final String BUSY = "while :; do :; done";
    private static final String COUNTER = "i=0; while true; do echo $i; i=$((i+1)); sleep 0.2; done";
    private static final Duration GRACE = Duration.ofSeconds(3);
    @TempDir static Path tmp;
    static Roam roam;

    @BeforeAll
    static void up() {
        roam = new Roam(tmp.resolve("home"));
        roam.run("up", "--nodes", "3", "--policy", "roam", "--owner-grace", GRACE.toSeconds() + "s").ok();
        roam.awaitNodesUp(3, Duration.ofSeconds(30));
    }

    @AfterAll
    static void down() throws java.io.IOException {
        if (roam != null) {
            Path log = roam.home.resolve("log/coordinator.log");   // what the balancer did, in the test's output
            if (java.nio.file.Files.exists(log))
                java.nio.file.Files.readAllLines(log).stream().filter(l -> l.contains("Balancer") || l.contains("EventLog")
                        || l.contains("MigrationOrchestrator")).forEach(l -> System.out.println("coordinator: " + l));
            roam.run("down", "--force");
            roam.close();
        }
    }

    /** job → node of the RUNNING jobs, from roam ps. */
    static Map<String, String> running() {
        var out = new HashMap<String, String>();
        for (String line : roam.run("ps").ok().out().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 2 && !f[0].equals("ID") && f[2].equals("RUNNING")) out.put(f[0], f[1]);
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

    static void kill(List<String> jobs) {
        for (String j : jobs) roam.run("kill", "--signal", "KILL", j);
        eventually(Duration.ofSeconds(30), "jobs " + jobs + " gone", () -> jobs.stream().noneMatch(running()::containsKey));
    }

    @Test
    @Order(1)
    void aBurstOfLongJobsOnOneNodeSpreadsOutAndEventsSayWhy() {
        List<String> longOnes = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            roam.run("run", "--name", "long" + i, "--node", "n1", "--", "sh", "-c", BUSY).ok();
            longOnes.add("long" + i);
        }
        for (int i = 1; i <= 2; i++) roam.run("run", "--name", "short" + i, "--node", "n1", "--", "sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done").ok();
        long t0 = System.nanoTime();
        eventually(Duration.ofSeconds(75), "the long jobs on at least 2 nodes", () -> {
            Map<String, String> where = running();
            var nodes = new HashSet<String>();
            for (String j : longOnes) if (where.containsKey(j)) nodes.add(where.get(j));
            return nodes.size() >= 2 && longOnes.stream().allMatch(where::containsKey);
        });
        System.out.printf("BalanceIT: 4 long jobs spread over %s in %d ms%n", new HashSet<>(running().values()), (System.nanoTime() - t0) / 1_000_000);
        String events = roam.run("events").ok().out();
        assertThat(events).contains("migrate").contains("n1 -> n").contains("roam: age").contains("after cost");
        String moved = longOnes.stream().filter(j -> !running().get(j).equals("n1")).findFirst().orElseThrow();
        String mine = roam.run("events", "--job", moved).ok().out();
        assertThat(mine).contains("migrate ").contains("migrated").doesNotContain("owner-active");
        String json = roam.run("events", "--json", "--job", moved).ok().out();
        assertThat(json.lines()).allMatch(l -> l.startsWith("{") && l.contains("\"job\":\"" + moved + "\""));
        assertThat(json).contains("\"kind\":\"migrate\"").contains("\"reason\":\"roam: age");
        // no ping-pong: the moves settle, and no job moved twice
        eventually(Duration.ofSeconds(60), "the moves settle", () -> {
            int before = count(roam.run("events").ok().out(), " migrated ");
            sleep(Duration.ofSeconds(3));
            return count(roam.run("events").ok().out(), " migrated ") == before && longOnes.stream().allMatch(running()::containsKey);
        });
        for (String j : longOnes) assertThat(count(roam.run("events", "--job", j).ok().out(), " migrated ")).as("moves of " + j).isLessThanOrEqualTo(1);
        kill(longOnes);
    }

    @Test
    @Order(2)
    void theOwnerReturningToN2MovesItsGuestsAwayWithinTheGracePeriod() {
        roam.run("run", "--name", "guest1", "--node", "n2", "--", "sh", "-c", COUNTER).ok();
        roam.run("run", "--name", "guest2", "--node", "n2", "--", "sh", "-c", COUNTER).ok();
        eventually(Duration.ofSeconds(20), "guests on n2", () -> "n2".equals(running().get("guest1")) && "n2".equals(running().get("guest2")));
        Path followed = tmp.resolve("follow.txt");
        Process follow = follow(followed, "events", "--follow", "--node", "n2");
        assertThat(roam.run("owner", "n2", "--active").ok().out()).contains("owner activity on n2 simulated");
        long t0 = System.nanoTime();
        eventually(Duration.ofSeconds(5), "n2 shown as its owner's", () -> nodeState("n2").equals("owner"));
        var refused = roam.run("run", "--node", "n2", "--", "true");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).startsWith("roam: error: ").contains("in use by its owner");
        eventually(GRACE.plusSeconds(60), "the guests moved off n2", () -> {
            Map<String, String> where = running();
            return where.containsKey("guest1") && where.containsKey("guest2") && !where.get("guest1").equals("n2") && !where.get("guest2").equals("n2");
        });
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("BalanceIT: guests off n2 %d ms after the owner came back (grace %d ms)%n", ms, GRACE.toMillis());
        assertThat(ms).as("not before the grace period").isGreaterThanOrEqualTo(GRACE.toMillis() - 1000);
        String events = roam.run("events", "--node", "n2").ok().out();
        assertThat(events).contains("owner-active").contains("simulated").contains("evict").contains("the owner of n2 is back");
        try {
            eventually(Duration.ofSeconds(10), "roam events --follow printed the eviction as it happened",
                    () -> read(followed).contains("owner-active") && read(followed).contains("evict ") && read(followed).contains("migrated"));
            assertThat(follow.isAlive()).as("--follow keeps running").isTrue();
        } finally {
            follow.destroy();
        }
        assertThat(roam.run("owner", "n2", "--idle").ok().out()).contains("ended");
        eventually(Duration.ofSeconds(5), "n2 takes jobs again", () -> nodeState("n2").equals("up"));
        assertThat(roam.run("events", "--node", "n2").ok().out()).contains("owner-idle");
        var bad = roam.run("owner", "n9", "--active");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).isEqualTo("roam: error: no such node: n9 (roam nodes lists them)\n");
        kill(List.of("guest1", "guest2"));
    }

    /** bin/roam ARGS in the background, its stdout to {@code out}. */
    private static Process follow(Path out, String... args) {
        Path dist = Path.of(System.getProperty("roam.dist", "../dist/target/roam")).toAbsolutePath().normalize();
        var cmd = new ArrayList<String>(List.of(dist.resolve("bin/roam").toString()));
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("ROAM_HOME", roam.home.toString());
        try {
            return pb.start();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return java.nio.file.Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) n++;
        return n;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
