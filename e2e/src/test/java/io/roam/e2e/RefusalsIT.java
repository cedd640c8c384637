package io.roam.e2e;

import static io.roam.e2e.Roam.eventually;
import static io.roam.e2e.Roam.numbers;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets a clear one-line error and a non-zero exit, and nothing is lost (issue 2). */
@ExtendWith(DaemonLogsOnFailure.class)
class RefusalsIT {
    @TempDir static Path tmp;
    static Roam roam;

    @BeforeAll
    static void up() { roam = Roam.up(tmp.resolve("home")); }

    @AfterAll
    static void down() { if (roam != null) roam.close(); }

    private static void assertRefused(Roam.Result r, String... phrases) {
        assertThat(r.exit()).as("exit code; stderr: %s", r.err()).isNotZero();
        String err = r.err().strip();
        assertThat(err).as("one line").doesNotContain("\n").startsWith("roam: error: ");
        for (String p : phrases) assertThat(err).contains(p);
    }

    private static String counter(String name) {
        roam.run("run", "--name", name, "--", "sh", "-c", "i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done").ok();
        eventually(Duration.ofSeconds(30), name + " counting", () -> numbers(roam.logs(name)).size() >= 3);
        return name;
    }

    @Test
    void unknownJob() {
        assertRefused(roam.run("kill", "nosuchjob"), "no such job: nosuchjob");
        assertRefused(roam.run("checkpoint", "nosuchjob"), "no such job: nosuchjob");
        assertRefused(roam.run("logs", "nosuchjob"), "no such job: nosuchjob");
        assertRefused(roam.run("restore", "nosuchjob.1"), "no such checkpoint: nosuchjob.1");
    }

    @Test
    void checkpointOfAJobThatHasExited() {
        roam.run("run", "--name", "quick", "--", "sh", "-c", "echo bye; exit 4").ok();
        assertThat(roam.run("wait", "quick").exit()).isEqualTo(4);
        assertRefused(roam.run("checkpoint", "quick"), "already exited");
        assertThat(roam.state("quick")).isEqualTo("EXITED");
    }

    @Test
    void commandThatDoesNotExist() {
        assertRefused(roam.run("run", "--name", "ghost", "--", "no-such-command-xyz"), "no-such-command-xyz");
        assertThat(roam.state("ghost")).as("no job left behind").isEqualTo("ABSENT");
    }

    @Test
    void truncatedImageIsRefusedAndTheCheckpointStaysUsable() throws IOException {
        String job = counter("trunc");
        String ck = roam.run("checkpoint", job).ok().line();
        Path pages = sealed(biggestImageFile(ck));
        byte[] original = Files.readAllBytes(pages);
        try (var f = new RandomAccessFile(pages.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        assertRefused(roam.run("restore", ck), "truncated", pages.getFileName().toString());
        assertThat(roam.state(job)).isEqualTo("CHECKPOINTED");
        Files.write(pages, original);                      // put it back: the image was never touched by roam
        roam.run("restore", ck).ok();
        assertThat(roam.state(job)).isEqualTo("RUNNING");
        roam.run("kill", job).ok();
    }

    @Test
    void imageWhoseFilesChangedIsRefused() throws IOException {
        String job = counter("changed");
        String ck = roam.run("checkpoint", job).ok().line();
        Path pages = sealed(biggestImageFile(ck));
        try (var f = new RandomAccessFile(pages.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x5a);
        }
        assertRefused(roam.run("restore", ck), "corrupt", pages.getFileName().toString());
        assertThat(roam.state(job)).isEqualTo("CHECKPOINTED");
        // the page data is checksummed while CRIU restores the tree stopped: the corrupt copy was killed unrun
        assertThat(roam.processesOf(job)).as("processes of the refused restore").isZero();
        int before = numbers(roam.logs(job)).size();
        try (var f = new RandomAccessFile(pages.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x5a);
        }
        roam.run("restore", ck).ok();
        assertThat(roam.state(job)).isEqualTo("RUNNING");
        eventually(Duration.ofSeconds(30), job + " counting again", () -> numbers(roam.logs(job)).size() >= before + 3);
        assertThat(numbers(roam.logs(job))).as("nothing ran from the corrupt image: it would have counted the same numbers")
                .doesNotHaveDuplicates();
        roam.run("kill", job).ok();
    }

    @Test
    void jobHoldingATerminalIsRefusedAndKeepsRunning() throws IOException {
        // a terminal owned outside the job: a pty pair opened by a process of the test, its slave opened by the job
        Process owner = new ProcessBuilder("python3", "-c",
                "import os, pty, time\nm, s = pty.openpty()\nprint(os.ttyname(s), flush=True)\ntime.sleep(600)").start();
        try {
            String pts = new java.io.BufferedReader(new java.io.InputStreamReader(owner.getInputStream())).readLine().strip();
            assertThat(pts).startsWith("/dev/pts/");
            roam.run("run", "--name", "tty", "--", "sh", "-c",
                    "exec 3<>" + pts + "; i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done").ok();
            eventually(Duration.ofSeconds(30), "tty job counting", () -> numbers(roam.logs("tty")).size() >= 3);
            var check = roam.run("check", "tty");
            assertThat(check.exit()).isEqualTo(1);
            assertThat(check.out()).contains("terminal").contains(pts);
            assertRefused(roam.run("checkpoint", "tty"), "terminal", pts);
            assertThat(roam.state("tty")).isEqualTo("RUNNING");
            int n = numbers(roam.logs("tty")).size();
            eventually(Duration.ofSeconds(10), "still counting", () -> numbers(roam.logs("tty")).size() > n + 3);
            roam.run("kill", "tty").ok();
        } finally {
            owner.destroyForcibly();
        }
    }

    @Test
    void jobHoldingADeviceIsRefusedAndKeepsRunning() {
        roam.run("run", "--name", "dev", "--", "sh", "-c", "exec 3</dev/net/tun; i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done").ok();
        eventually(Duration.ofSeconds(30), "dev job counting", () -> numbers(roam.logs("dev")).size() >= 3);
        var check = roam.run("check", "dev");
        assertThat(check.exit()).isEqualTo(1);
        assertThat(check.out() + check.err()).contains("/dev/net/tun");
        assertRefused(roam.run("checkpoint", "dev"), "/dev/net/tun");
        assertThat(roam.state("dev")).isEqualTo("RUNNING");
        int n = numbers(roam.logs("dev")).size();
        eventually(Duration.ofSeconds(10), "still counting", () -> numbers(roam.logs("dev")).size() > n + 3);
        roam.run("kill", "dev").ok();
    }

    @Test
    void checkSaysAnOrdinaryJobCanMove() {
        String job = counter("plain");
        var r = roam.run("check", job).ok();
        assertThat(r.out()).contains("can be checkpointed");
        roam.run("kill", job).ok();
    }

    /**
     * {@code file}, once its image is sealed: the seal runs after the answer, and a file changed before it is refused
     * as "changed after its dump, before roam sealed it" (ImageManifestsTest), with no manifest to put right. These
     * tests change an image that roam had sealed.
     */
    private static Path sealed(Path file) {
        Path manifest = file.resolveSibling("manifest.pb");
        eventually(Duration.ofSeconds(60), "the image in " + file.getParent() + " is sealed", () -> Files.exists(manifest));
        return file;
    }

    private static Path biggestImageFile(String ck) throws IOException {
        try (Stream<Path> s = Files.walk(roam.home.resolve("nodes"))) {
            return s.filter(p -> p.getParent().getFileName().toString().equals(ck) && p.toString().endsWith(".img"))
                    .max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
    }
}
