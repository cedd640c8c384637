package io.roam.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cold migration between agents on this machine (same roam home, host network): n1 from roam up, plus agents started
 * here: n3 sends corrupt images (ROAM_FAULT=corrupt-transfer), n4 sends slowly (ROAM_TRANSFER_LIMIT_MBPS), n5 is a
 * target that gets killed, and n2 (started last: it owns the CLI socket) is a plain node.
 */
@ExtendWith(DaemonLogsOnFailure.class)
class MigrationIT {
    private static final String COUNTER = "i=0; while true; do echo $i; i=$((i+1)); sleep 0.05; done";
    @TempDir
    static Path tmp;
    static Roam roam;
    static final List<Process> agents = new ArrayList<>();
    static final Map<String, Process> byNode = new java.util.HashMap<>();

    @BeforeAll
    static void up() throws IOException {
        roam = Roam.up(tmp.resolve("home"));
        agent("n3", Map.of("ROAM_FAULT", "corrupt-transfer"));
        agent("n4", Map.of("ROAM_TRANSFER_LIMIT_MBPS", "20"));
        agent("n5", Map.of());
        agent("n2", Map.of());
        Roam.eventually(Duration.ofSeconds(60), "5 nodes up", () -> roam.run("nodes").out().split("\n").length == 6
                && !roam.run("nodes").out().contains("down"));
    }

    static void agent(String node, Map<String, String> env) throws IOException {
        Path dist = Path.of(System.getProperty("roam.dist", "../dist/target/roam")).toAbsolutePath().normalize();
        var pb = new ProcessBuilder(dist.resolve("bin/roam").toString(), "agent", "--node", node, "--state-dir", roam.home.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve(node + ".log").toFile());
        pb.environment().put("ROAM_HOME", roam.home.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        agents.add(p);
        byNode.put(node, p);
        // Each agent takes over the CLI socket: wait until this one answers before starting the next.
        Roam.eventually(Duration.ofSeconds(30), node + " registered", () -> roam.run("nodes").out().contains(node + " "));
    }

    static String readLog(String node) {
        try {
            return Files.readString(tmp.resolve(node + ".log"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void down() {
        try {
            if (roam != null) roam.close();
        } finally {
            agents.forEach(Process::destroyForcibly);
        }
    }

    static void assertRunsOnceOn(String job, String node) {
        Roam.eventually(Duration.ofSeconds(30), job + " RUNNING on " + node, () -> roam.state(job).equals("RUNNING") && roam.nodeOf(job).equals(node));
        Roam.eventually(Duration.ofSeconds(10), "exactly one process of " + job, () -> roam.processesOf(job) == 1);
        int before = Roam.numbers(roam.logs0(job)).size();
        Roam.eventually(Duration.ofSeconds(10), job + " counts on", () -> Roam.numbers(roam.logs0(job)).size() > before + 5);
    }

    @Test
    void aCounterMovesThereAndBackWithNoGapAndKeepsItsLog() {
        roam.run("run", "--name", "trip", "--node", "n1", "--", "sh", "-c", COUNTER).ok();
        assertRunsOnceOn("trip", "n1");
        var moved = roam.run("migrate", "trip", "--to", "n2").ok();
        assertThat(moved.line()).isEqualTo("n2");
        assertThat(moved.err()).contains("sent").contains("MB/s").contains("verified on n2");
        // the image travelled over the bulk data path (ROAM_TRANSFER_PATH=auto), not gRPC, and both ends say so
        assertThat(moved.err()).contains("over the bulk socket");
        assertThat(readLog("n2")).contains("of job trip arriving over the bulk socket from CN=agent-n1");
        assertRunsOnceOn("trip", "n2");
        assertThat(roam.run("migrate", "trip", "--to", "n1").ok().line()).isEqualTo("n1");
        assertRunsOnceOn("trip", "n1");
        Roam.assertCountsOn(Roam.numbers(roam.logs("trip")), 20);
    }

    @Test
    void aCorruptImageIsRefusedByTheTargetAndTheJobResumesOnTheSource() {
        roam.run("run", "--name", "bent", "--node", "n3", "--", "sh", "-c", COUNTER).ok();
        assertRunsOnceOn("bent", "n3");
        var r = roam.run("migrate", "bent", "--to", "n1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("checksum mismatch").contains("runs on n3 again");
        assertRunsOnceOn("bent", "n3");
        Roam.assertCountsOn(Roam.numbers(roam.logs0("bent")), 10);
    }

    @Test
    void killingTheTargetDuringTheTransferLeavesTheJobOnTheSource() throws Exception {
        // ~150 MB of touched memory sent at 20 MB/s: several seconds of transfer to interrupt.
        roam.run("run", "--name", "heavy", "--node", "n4", "--", "sh", "-c",
                "python3 -c 'import os; b=bytearray(os.urandom(1<<20))*150; import time; time.sleep(1e9)' & " + COUNTER).ok();
        assertRunsOnceOn("heavy", "n4");
        Roam.eventually(Duration.ofSeconds(30), "memory touched", () -> ProcessHandle.allProcesses().anyMatch(p -> Roam.rssKb(p) > 140_000
                && p.info().commandLine().orElse("").contains("os.urandom")));
        Thread killer = Thread.ofVirtual().start(() -> {
            Roam.eventually(Duration.ofSeconds(60), "transfer started", () -> {
                try {
                    return Files.readString(tmp.resolve("n5.log")).contains("") && Files.list(roam.home.resolve("nodes/n5/images"))
                            .anyMatch(p -> p.getFileName().toString().startsWith(".incoming-"));
                } catch (IOException e) {
                    return false;
                }
            });
            byNode.get("n5").destroyForcibly();
        });
        var r = roam.run("migrate", "heavy", "--to", "n5");
        killer.join(60_000);
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("runs on n4 again");
        assertRunsOnceOn("heavy", "n4");
        Roam.assertCountsOn(Roam.numbers(roam.logs0("heavy")), 10);
    }

    @Test
    void drainEmptiesANodeAndUndrainOpensIt() {
        roam.run("run", "--name", "tenant", "--node", "n2", "--", "sh", "-c", COUNTER).ok();
        assertRunsOnceOn("tenant", "n2");
        var r = roam.run("drain", "n2").ok();
        assertThat(r.out()).contains("tenant: moved to").contains("n2 is draining");
        assertThat(roam.nodeOf("tenant")).isNotEqualTo("n2");
        assertRunsOnceOn("tenant", roam.nodeOf("tenant"));
        assertThat(roam.run("nodes").ok().out()).containsPattern("n2 .*draining");
        roam.run("undrain", "n2").ok();
        assertThat(roam.run("nodes").ok().out()).doesNotContain("draining");
        Roam.assertCountsOn(Roam.numbers(roam.logs0("tenant")), 10);
    }

    @Test
    void theModeChoiceIsExplainedLiveRunsAndPrecopyFallsBack() {
        roam.run("run", "--name", "modes", "--node", "n1", "--", "sh", "-c", COUNTER).ok();
        assertRunsOnceOn("modes", "n1");
        var explained = roam.run("migrate", "modes", "--to", "n2", "--explain").ok();
        assertThat(explained.out() + explained.err()).contains("from n1 to n2 by cold migration")
                .containsPattern("under the 256 MiB threshold|memory size is not reported yet");
        assertThat(roam.nodeOf("modes")).isEqualTo("n1");

        var live = roam.run("migrate", "modes", "--to", "n2", "--live").ok();
        assertThat(live.line()).isEqualTo("n2");
        assertThat(live.err()).contains("by live migration").containsPattern("frozen \\d+ ms").containsPattern("total \\d+ ms");
        assertRunsOnceOn("modes", "n2");
        var unknown = roam.run("migrate", "modes", "--to", "n2", "--mode", "warm");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown migration mode 'warm'");
        assertRunsOnceOn("modes", "n2");

        // Pre-copy cannot run here (no soft-dirty tracking on this kernel, or none in this version): it says so and moves live.
        var pre = roam.run("migrate", "modes", "--to", "n1", "--mode", "precopy").ok();
        assertThat(pre.line()).isEqualTo("n1");
        assertThat(pre.err()).contains("pre-copy was asked for but is not possible").contains("by live migration");
        assertRunsOnceOn("modes", "n1");
        Roam.assertCountsOn(Roam.numbers(roam.logs("modes")), 20);
        roam.run("kill", "modes").ok();
    }
}
