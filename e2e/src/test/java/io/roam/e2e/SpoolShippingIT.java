package io.roam.e2e;

import static io.roam.e2e.Roam.eventually;
import static io.roam.e2e.Roam.numbers;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job's output files follow it to a node that does not share them, as between two machines: n9 runs in its own
 * mount namespace with an empty tmpfs over the spool directory, so it sees the same paths and none of n1's files. A
 * counter moved n1 → n9 → n1 keeps one unbroken log, each node drops the copy the job left behind, the job's
 * TMPDIR travels with it, and {@code roam logs} (through n9's CLI socket) reads the files on whichever node has them:
 * {@code roam logs -f} follows the job across both moves. A live (post-copy) move takes the files along the same way.
 */
@ExtendWith(DaemonLogsOnFailure.class)
class SpoolShippingIT {
    private static final String COUNTER = "echo kept > \"$TMPDIR/note\"; i=0; while true; do i=$((i+1)); echo $i; sleep 0.1; done";
    @TempDir
    static Path tmp;
    static Roam roam;
    static Process n9;

    @BeforeAll
    static void up() throws IOException {
        roam = Roam.up(tmp.resolve("home"));
        Path home = roam.home.toAbsolutePath();
        Files.createDirectories(home.resolve("spool"));
        Path dist = Path.of(System.getProperty("roam.dist", "../dist/target/roam")).toAbsolutePath().normalize();
        var pb = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs roam-n9-spool \"$0/spool\" && exec \"$1\" agent --node n9 --state-dir \"$0\"",
                home.toString(), dist.resolve("bin/roam").toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("n9.log").toFile());
        pb.environment().put("ROAM_HOME", home.toString());
        n9 = pb.start();
        // the newest agent serves the CLI socket: from here on, `roam logs` reads n9's files
        eventually(Duration.ofSeconds(60), "n9 registered", () -> roam.run("nodes").out().contains("n9 ") && !roam.run("nodes").out().contains("down"));
    }

    @AfterAll
    static void down() {
        try {
            if (roam != null) roam.close();
        } finally {
            if (n9 != null) n9.destroyForcibly();
        }
    }

    @Test
    void aCounterMovesToANodeWithoutItsFilesAndBackWithOneUnbrokenLog() throws Exception {
        Path hostSpool = roam.home.resolve("spool").resolve("ship");
        roam.run("run", "--name", "ship", "--node", "n1", "--", "sh", "-c", COUNTER).ok();
        eventually(Duration.ofSeconds(30), "ship counting on n1", () -> numbers(read(hostSpool.resolve("out"))).size() > 5);

        // the CLI's agent is n9, which does not have the files: it reads them from n1
        assertThat(numbers(roam.logs("ship"))).as("roam logs served from the job's node").hasSizeGreaterThan(5);
        Path followed = tmp.resolve("follow.out");
        Process follower = cli(followed, "logs", "-f", "ship");

        var there = roam.run("migrate", "ship", "--to", "n9");
        assertThat(there.exit()).as(there.err()).isZero();
        assertThat(there.out() + there.err()).contains("sent the job's output files");
        assertThat(roam.nodeOf("ship")).isEqualTo("n9");
        eventually(Duration.ofSeconds(30), "n1's copy dropped", () -> !Files.exists(hostSpool));
        int before = numbers(roam.logs("ship")).size();
        eventually(Duration.ofSeconds(30), "ship counts on n9", () -> numbers(roam.logs("ship")).size() > before + 5);
        Roam.assertCountsOn(numbers(roam.logs("ship")), 10);

        var back = roam.run("migrate", "ship", "--to", "n1");
        assertThat(back.exit()).as(back.err()).isZero();
        assertThat(roam.nodeOf("ship")).isEqualTo("n1");
        int moved = numbers(read(hostSpool.resolve("out"))).size();
        eventually(Duration.ofSeconds(30), "ship counts on n1 again", () -> numbers(read(hostSpool.resolve("out"))).size() > moved + 5);
        List<Long> all = numbers(read(hostSpool.resolve("out")));
        Roam.assertCountsOn(all, 20);
        assertThat(all.getFirst()).as("the whole log came back, from its first line").isEqualTo(1);
        assertThat(read(hostSpool.resolve("tmp/note"))).as("TMPDIR travelled too").isEqualTo("kept\n");
        assertThat(roam.processesOf("ship")).isEqualTo(1);
        roam.run("kill", "ship").ok();
        assertThat(follower.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("roam logs -f ends with the job").isTrue();
        List<Long> seen = numbers(read(followed));
        Roam.assertCountsOn(seen, 20);
        assertThat(seen).as("roam logs -f followed the job n1 -> n9 -> n1, nothing missed or doubled").isEqualTo(numbers(read(hostSpool.resolve("out"))));
    }

    @Test
    void aLiveMoveTakesTheOutputFilesAlongAndBackToo() throws Exception {
        Path hostSpool = roam.home.resolve("spool").resolve("lship");
        roam.run("run", "--name", "lship", "--node", "n1", "--", "sh", "-c", COUNTER).ok();
        eventually(Duration.ofSeconds(30), "lship counting on n1", () -> numbers(read(hostSpool.resolve("out"))).size() > 5);

        var there = roam.run("migrate", "lship", "--to", "n9", "--live");
        assertThat(there.exit()).as(there.err()).isZero();
        assertThat(there.err()).contains("memory pages stay on n1").contains("sent the job's output files").contains("all pages arrived on n9");
        assertThat(roam.nodeOf("lship")).isEqualTo("n9");
        eventually(Duration.ofSeconds(30), "n1's copy dropped", () -> !Files.exists(hostSpool));
        int before = numbers(roam.logs("lship")).size();
        eventually(Duration.ofSeconds(30), "lship counts on n9", () -> numbers(roam.logs("lship")).size() > before + 5);
        Roam.assertCountsOn(numbers(roam.logs("lship")), 10);

        var back = roam.run("migrate", "lship", "--to", "n1", "--live");
        assertThat(back.exit()).as(back.err()).isZero();
        assertThat(back.err()).contains("sent the job's output files");
        assertThat(roam.nodeOf("lship")).isEqualTo("n1");
        int moved = numbers(read(hostSpool.resolve("out"))).size();
        eventually(Duration.ofSeconds(30), "lship counts on n1 again", () -> numbers(read(hostSpool.resolve("out"))).size() > moved + 5);
        List<Long> all = numbers(read(hostSpool.resolve("out")));
        Roam.assertCountsOn(all, 20);
        assertThat(all.getFirst()).as("the whole log came back, from its first line").isEqualTo(1);
        assertThat(read(hostSpool.resolve("tmp/note"))).as("TMPDIR travelled too").isEqualTo("kept\n");
        assertThat(roam.processesOf("lship")).isEqualTo(1);
        roam.run("kill", "lship").ok();
    }

    /**
     * The coordinator killed (SIGKILL) in a live move's page phase, to a node that does not share the spool: the next
     * coordinator ends the page phase and, like the first would have, drops the source's copy of the output files
     * (the record says they were copied), while the job runs on at the target with its log whole.
     */
    @Test
    void aCoordinatorKilledInThePagePhaseIsFollowedByOneThatDropsTheSourcesCopyOfTheFiles() throws Exception {
        Path fill = LiveMigrationIT.compileFill(tmp);
        Path hostSpool = roam.home.resolve("spool").resolve("orph");
        roam.run("run", "--name", "orph", "--node", "n1", "--", fill.toString(), "1024").ok();
        eventually(Duration.ofSeconds(60), "orph filled its memory on n1", () -> read(hostSpool.resolve("out")).contains("filled 1024 MB"));
        Path progress = tmp.resolve("orph-migrate.out");
        Process migrate = cli(progress, "migrate", "orph", "--to", "n9", "--live");
        try {
            eventually(Duration.ofSeconds(60), "orph resumed on n9", () -> read(progress).contains("runs on n9"));
            assertThat(read(progress)).contains("sent the job's output files");
        } catch (AssertionError e) {
            migrate.destroyForcibly();
            throw e;
        }
        roam.killCoordinatorInPagePhase(migrate, progress);
        assertThat(hostSpool).as("n1's copy of the output files, during the page phase").exists();
        roam.run("up").ok();
        eventually(Duration.ofSeconds(90), "the next coordinator dropped n1's copy of orph's files", () -> !Files.exists(hostSpool));
        assertThat(roam.state("orph")).isEqualTo("RUNNING");
        assertThat(roam.nodeOf("orph")).isEqualTo("n9");
        assertThat(roam.logs("orph")).contains("filled 1024 MB");
        LiveMigrationIT.endsVerified(roam, "orph", 0, tmp);
    }

    private static Process cli(Path out, String... args) throws IOException {
        Path dist = Path.of(System.getProperty("roam.dist", "../dist/target/roam")).toAbsolutePath().normalize();
        List<String> cmd = new java.util.ArrayList<>(List.of(dist.resolve("bin/roam").toString()));
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("ROAM_HOME", roam.home.toString());
        return pb.start();
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
