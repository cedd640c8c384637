package io.roam.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Post-copy on a real local cluster ({@code roam up --nodes 3}, agents in their own network namespaces): a job that
 * filled 1 GB with pseudo-random data and prints a monotonic millisecond clock every 10 ms moves with {@code --live};
 * it resumes at once, its clock shows no gap beyond the freeze, and on SIGUSR1 it verifies its memory checksum. A
 * second job loses its source's page server (criu, SIGKILL) mid-transfer: its record must say LOST.
 */
@ExtendWith(DaemonLogsOnFailure.class)
class LiveMigrationIT {
    /** The absolute bound of the issue (300 ms) holds on a quiet machine only: pass -Dlive.maxFreezeMs=300 to check it. */
    private static final long MAX_FREEZE_MS = Long.getLong("live.maxFreezeMs", Long.MAX_VALUE);
    private static final Pattern DUMPED = Pattern.compile("dumped [0-9.]+ MB in (\\d+) ms");
    private static final Pattern FROZEN = Pattern.compile("frozen (\\d+) ms");
    private static final Pattern TOTAL = Pattern.compile("total (\\d+) ms");
    /** The page phase's progress lines come every 2 s from the target's reports (every 1 s): one is sure after this. */
    private static final long PAGE_LINE_AFTER_MS = 3500;
    @TempDir
    static Path tmp;
    static Roam roam;
    static Path fill;

    @BeforeAll
    static void up() throws Exception {
        Roam.traversable(tmp);   // a user's job below runs the test program from here
        roam = new Roam(tmp.resolve("home"));
        roam.runIn(tmp, Map.of(), "up", "--nodes", "3").ok();
        roam.awaitNodesUp(3, Duration.ofSeconds(60));
        fill = compileFill(tmp);
    }

    @AfterAll
    static void down() {
        if (roam != null) {
            roam.run("down", "--force");
            roam.close();
        }
    }

    /**
     * A test that failed midway leaves its job running, and the next test's count of fill processes would then fail
     * too: end every job still running (a passing test leaves none, and this is one {@code roam ps -a}).
     */
    @AfterEach
    void noJobLeftRunning() {
        for (String job : roam.killRunning()) {
            roam.run("wait", "--timeout", "30s", job);
            roam.run("rm", job);
        }
    }

    /** Compiles the test program (src/test/resources/live/fill.c) into {@code dir}. */
    static Path compileFill(Path dir) throws IOException {
        Path src = dir.resolve("fill.c"), bin = dir.resolve("fill");
        try (InputStream in = LiveMigrationIT.class.getResourceAsStream("/live/fill.c")) {
            Files.copy(in, src);
        }
        Roam.command(Duration.ofSeconds(60), "cc", "-O2", "-o", bin.toString(), src.toString());
        assertThat(bin).isExecutable();
        return bin;
    }

    @Test
    void aJobTouching1GBResumesOnTheTargetAtOnceAndAllItsPagesArrive() {
        roam.run("run", "--name", "big", "--node", "n1", "--", fill.toString(), "1024").ok();
        Roam.eventually(Duration.ofSeconds(60), "big filled its memory", () -> roam.logs0("big").contains("filled 1024 MB"));
        Roam.eventually(Duration.ofSeconds(10), "big ticks", () -> ticks(roam.logs0("big")).size() > 20);

        // Baseline in the same run: the same job moved cold first (n1 -> n3); its freeze is the dump.
        var cold = roam.run("migrate", "big", "--to", "n3", "--mode", "cold").ok();
        assertThat(cold.line()).isEqualTo("n3");
        long coldFrozen = number(DUMPED, cold.err()), coldTotal = number(TOTAL, cold.err());
        System.out.printf("cold 1024 MB: frozen %d ms, total %d ms%n", coldFrozen, coldTotal);

        int afterCold = ticks(roam.logs0("big")).size();
        Roam.eventually(Duration.ofSeconds(10), "big ticks on n3", () -> ticks(roam.logs0("big")).size() > afterCold + 10);
        int beforeLive = ticks(roam.logs0("big")).size();
        var moved = roam.run("migrate", "big", "--to", "n2", "--live").ok();
        assertThat(moved.line()).isEqualTo("n2");
        String err = moved.err();
        assertThat(err).contains("by live migration").contains("runs on n2").doesNotContain("relayed").contains("all pages arrived on n2 from n3")
                .contains("source criu exit 0").contains("target lazy-pages exit 0");
        long frozen = number(FROZEN, err), total = number(TOTAL, err);
        System.out.printf("live 1024 MB: frozen %d ms, total %d ms%n", frozen, total);
        assertThat(frozen).as("freeze time seen by the orchestrator; progress: %s", err).isLessThan(MAX_FREEZE_MS);
        // The job's whole frozen time scales with its size in cold migration, not in live: well under half of cold's.
        assertThat(frozen).as("live freeze against cold dump %d ms of the same job", coldFrozen).isLessThan(coldFrozen / 2 + 1);
        assertThat(total).isGreaterThanOrEqualTo(frozen);
        // a page phase longer than the progress ticker's period plus a load report says how far it got, in MB of ~1 GB
        if (total - frozen > PAGE_LINE_AFTER_MS) {
            assertThat(err).as("a page phase of %d ms", total - frozen).containsPattern("pages: [0-9.]+ MB of ~1[0-9]{3}\\.[0-9] MB resident on n2");
        }
        assertThat(roam.state("big")).isEqualTo("RUNNING");
        assertThat(roam.nodeOf("big")).isEqualTo("n2");

        int before = ticks(roam.logs0("big")).size();
        Roam.eventually(Duration.ofSeconds(10), "big ticks on n2", () -> ticks(roam.logs0("big")).size() > before + 20);
        roam.run("kill", "--signal", "USR1", "big").ok();
        var waited = roam.run("wait", "--timeout", "60s", "big");
        String log = roam.logs("big");
        assertThat(waited.exit()).as("exit code of the job; log tail: %s", tail(log)).isZero();
        assertThat(log).contains("verify ok");
        // The job's own wall clock: no gap between two ticks beyond the freeze (plus its 10 ms sleep and the first
        // faults after the resume). fill.c reads CLOCK_REALTIME: criu restores every job in a time namespace whose
        // monotonic clock goes on from the dump, which hid most of the freeze from the CLOCK_MONOTONIC it read before.
        List<Long> t = ticks(log);
        long gap = maxGap(t.subList(Math.max(0, beforeLive - 1), t.size()));
        System.out.printf("live 1024 MB: largest gap in the job's clock %d ms%n", gap);
        assertThat(gap).as("largest gap in the job's 10 ms clock, freeze %d ms", frozen).isLessThanOrEqualTo(frozen + 100);
        assertThat(marked(fill.toString())).isEmpty();
        roam.run("rm", "big");
    }

    /**
     * A user's job moves live too: its criu dumps it as the user, with no TLS key, and the two agents carry its pages
     * (the relay). Same checks as for root's job: every page arrives, the memory verifies, the job is the user's still.
     */
    @Test
    void aUsersJobMovesLiveWithItsPagesCarriedByTheAgents() throws Exception {
        int nobody = 65534;
        roam.runAs(nobody, nobody, tmp, "run", "--name", "ulive", "--node", "n1", "--", fill.toString(), "256").ok();
        Roam.eventually(Duration.ofSeconds(60), "ulive filled its memory", () -> roam.logs0("ulive").contains("filled 256 MB"));
        List<Long> before = marked(fill.toString());
        assertThat(before).hasSize(1);
        assertThat(uid(before.getFirst())).isEqualTo(nobody);

        var moved = roam.runAs(nobody, nobody, tmp, "migrate", "ulive", "--to", "n2", "--live").ok();
        assertThat(moved.line()).isEqualTo("n2");
        assertThat(moved.err()).contains("by live migration").contains("runs on n2").contains("relayed by the two agents")
                .contains("all pages arrived on n2 from n1")
                .contains("source criu exit 0").contains("target lazy-pages exit 0");
        assertThat(roam.nodeOf("ulive")).isEqualTo("n2");
        List<Long> after = marked(fill.toString());
        assertThat(after).hasSize(1).doesNotContain(before.getFirst());
        assertThat(uid(after.getFirst())).as("the restored job's uid").isEqualTo(nobody);
        // the pages went through both agents' relay, not criu's TLS page server
        assertThat(agentLog("n1")).contains("page relay, pages of job ulive to ");
        assertThat(agentLog("n2")).contains("page relay, pages of job ulive from ");

        int ticked = ticks(roam.logs0("ulive")).size();
        Roam.eventually(Duration.ofSeconds(10), "ulive ticks on n2", () -> ticks(roam.logs0("ulive")).size() > ticked + 10);
        endsVerified("ulive", nobody);
    }

    /**
     * The coordinator killed (SIGKILL) in the page phase, after the job resumed on the target: the next coordinator
     * waits for the pages like the first would have, then deletes the images on both nodes; the job runs on, whole.
     */
    @Test
    void aCoordinatorKilledInThePagePhaseIsFollowedByOneThatEndsIt() throws Exception {
        Path progress = tmp.resolve("orphaned-migrate.err");
        roam.killCoordinatorInPagePhase(liveMoveOf1GB("orphaned", progress), progress);
        assertThat(images("n1", "orphaned")).as("the source's small images, during the page phase").isNotEmpty();
        roam.run("up", "--nodes", "3").ok();
        Roam.eventually(Duration.ofSeconds(90), "the next coordinator ended the page phase: no image of orphaned on n1 or n3",
                () -> images("n1", "orphaned").isEmpty() && images("n3", "orphaned").isEmpty());
        assertThat(roam.state("orphaned")).isEqualTo("RUNNING");
        assertThat(roam.nodeOf("orphaned")).isEqualTo("n3");
        endsVerified("orphaned", 0);
    }

    /**
     * Starts a job that fills 1 GB on n1, then {@code roam migrate --live} of it to n3 in the background (its progress
     * into {@code progress}); returns that CLI process once the job has resumed on n3, its page phase under way.
     */
    private static Process liveMoveOf1GB(String job, Path progress) throws IOException { return liveMoveOf1GB(job, progress, 0); }

    /** As {@link #liveMoveOf1GB(String, Path)}, the job and its move by user {@code uid} (its group the same number). */
    private static Process liveMoveOf1GB(String job, Path progress, int uid) throws IOException {
        roam.runAs(uid, uid, tmp, "run", "--name", job, "--node", "n1", "--", fill.toString(), "1024").ok();
        Roam.eventually(Duration.ofSeconds(60), job + " filled its memory", () -> roam.logs0(job).contains("filled 1024 MB"));
        Path dist = Path.of(System.getProperty("roam.dist", "../dist/target/roam")).toAbsolutePath().normalize();
        var pb = new ProcessBuilder("setpriv", "--reuid", Integer.toString(uid), "--regid", Integer.toString(uid), "--clear-groups",
                dist.resolve("bin/roam").toString(), "migrate", job, "--to", "n3", "--live").directory(tmp.toFile())
                .redirectError(progress.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("ROAM_HOME", roam.home.toString());
        Process migrate = pb.start();
        try {
            Roam.eventually(Duration.ofSeconds(60), job + " resumed on n3", () -> read(progress).contains("runs on n3"));
        } catch (AssertionError e) {
            migrate.destroyForcibly();
            throw e;
        }
        return migrate;
    }

    private static void endsVerified(String job, int uid) { endsVerified(roam, job, uid, tmp); }

    /**
     * Asks {@code job}, a fill program run by {@code uid} in {@code roam}, to check its whole memory and end (SIGUSR1,
     * sent as that user from {@code cwd}), waits for it, checks that it exited 0 having verified, and removes it.
     */
    static void endsVerified(Roam roam, String job, int uid, Path cwd) {
        roam.runAs(uid, uid, cwd, "kill", "--signal", "USR1", job).ok();
        var waited = roam.run("wait", "--timeout", "60s", job);
        assertThat(waited.exit()).as("exit code of the job; log tail: %s", tail(roam.logs(job))).isZero();
        assertThat(roam.logs(job)).contains("verify ok");
        roam.run("rm", job);
    }

    /** The job's image directories on {@code node}. */
    private static List<Path> images(String node, String job) {
        try (var dirs = Files.list(roam.home.resolve("nodes").resolve(node).resolve("images"))) {
            return dirs.filter(d -> d.getFileName().toString().startsWith(job + ".")).toList();
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int uid(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream().filter(l -> l.startsWith("Uid:"))
                .map(l -> Integer.parseInt(l.split("\\s+")[1])).findFirst().orElseThrow();
    }

    private static String agentLog(String node) throws IOException {
        try (var files = Files.walk(roam.home)) {
            StringBuilder all = new StringBuilder();
            for (Path p : files.filter(f -> f.getFileName().toString().matches("agent-" + node + "[.a-z0-9-]*\\.log")).toList()) {
                all.append(Files.readString(p));
            }
            return all.toString();
        }
    }

    /**
     * The target's agent killed (SIGKILL) in the page phase of a user's job: the relay it carried is cut, so the
     * lazy-pages daemon loses its page server and takes the restored copy with it (missing pages would read as zeros).
     * The source's criu exits 0 on that bare end of stream; roam still says what happened: LOST, with the reason, not
     * "every page arrived", and the agent that comes back does not turn it into an exit.
     */
    @Test
    void theTargetsAgentKilledInAUsersPagePhaseMakesTheJobLostAndSaysWhy() throws Exception {
        int nobody = 65534;
        Path progress = tmp.resolve("cut-migrate.err");
        Process migrate = liveMoveOf1GB("cut", progress, nobody);
        try {
            assertThat(read(progress)).contains("relayed by the two agents");
            List<ProcessHandle> n3 = roam.agents("n3");
            assertThat(n3).as("n3's agent").hasSize(1);
            assertThat(n3.getFirst().destroyForcibly()).isTrue();
            assertThat(migrate.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            migrate.destroyForcibly();
        }
        String err = read(progress);
        assertThat(migrate.exitValue()).as(err).isEqualTo(1);
        assertThat(err).doesNotContain("all pages arrived").contains("roam: error: job cut is lost: post-copy from n1 to n3")
                .contains("the page relay to the target was cut before its lazy-pages daemon closed the transfer");
        assertThat(roam.state("cut")).isEqualTo("LOST");
        Roam.eventually(Duration.ofSeconds(20), "no copy of cut runs anywhere", () -> marked(fill.toString()).isEmpty());
        roam.run("up", "--nodes", "3").ok();   // n3's agent back: it finds the job's process gone
        roam.awaitNodesUp(3, Duration.ofSeconds(60));
        assertThat(roam.state("cut")).isEqualTo("LOST");
        assertThat(roam.run("ps", "-a").ok().out()).containsPattern("cut .*LOST");
        roam.run("rm", "cut");
    }

    /**
     * The target's link cut for 15 s in the page phase of a user's job, then healed: post-copy is one-way, so roam
     * does not give up on a silent peer (that would lose the job); TCP carries the relay over the cut, every page
     * arrives and the memory verifies. (By hand, a cut of 2 min 37 s healed the same way.)
     */
    @Test
    void aLinkCutInThePagePhaseThatHealsLosesNothing() throws Exception {
        int nobody = 65534;
        Path progress = tmp.resolve("healed-migrate.err");
        Process migrate = liveMoveOf1GB("healed", progress, nobody);
        String n3 = roam.netns("n3");
        try {
            Roam.command(Duration.ofSeconds(10), "ip", "netns", "exec", n3, "ip", "link", "set", "eth0", "down");
            Thread.sleep(15_000);
            assertThat(migrate.isAlive()).as("the page phase waits over the cut: %s", read(progress)).isTrue();
        } finally {
            Roam.command(Duration.ofSeconds(10), "ip", "netns", "exec", n3, "ip", "link", "set", "eth0", "up");
        }
        try {
            assertThat(migrate.waitFor(180, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            migrate.destroyForcibly();
        }
        String err = read(progress);
        assertThat(migrate.exitValue()).as(err).isZero();
        assertThat(err).contains("relayed by the two agents").contains("all pages arrived on n3 from n1");
        assertThat(roam.nodeOf("healed")).isEqualTo("n3");
        endsVerified("healed", nobody);
    }

    @Test
    void killingTheSourcesPageServerMidTransferMakesTheJobLost() throws Exception {
        Path progress = tmp.resolve("doomed-migrate.err");
        Process migrate = liveMoveOf1GB("doomed", progress);
        try {
            List<Long> pageServer = criuDumpsOf("doomed");
            assertThat(pageServer).as("the source's criu page server; progress: %s", read(progress)).hasSize(1);
            Roam.command(Duration.ofSeconds(10), "kill", "-9", Long.toString(pageServer.getFirst()));
            assertThat(migrate.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            migrate.destroyForcibly();
        }
        String err = read(progress);
        assertThat(migrate.exitValue()).as(err).isEqualTo(1);
        assertThat(err).contains("roam: error: job doomed is lost: post-copy from n1 to n3 broke before every page arrived on n3");
        assertThat(roam.state("doomed")).isEqualTo("LOST");
        String ps = roam.run("ps", "-a").ok().out();
        assertThat(ps).containsPattern("doomed .*LOST");
        Roam.eventually(Duration.ofSeconds(20), "no copy of doomed runs anywhere", () -> marked(fill.toString()).isEmpty());
    }

    @Test
    void aRestoreThatFailsOnTheTargetGivesTheJobBackToTheSourceRunningOn() throws Exception {
        String id = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(roam.home.toAbsolutePath().normalize().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 6);
        String name = "roam-live-" + id;
        roam.run("run", "--name", "squat", "--node", "n1", "--", "sh", "-c",
                "python3 -c 'import socket,time; s=socket.socket(socket.AF_UNIX); s.bind(\"\\0" + name + "\"); s.listen(); time.sleep(1e9)' & "
                        + "i=0; while true; do echo $i; i=$((i+1)); sleep 0.05; done").ok();
        Roam.eventually(Duration.ofSeconds(30), "squat counts on n1", () -> Roam.numbers(roam.logs0("squat")).size() > 10);
        // The same abstract name taken in n2's namespace only: criu's bind on restore there fails (EADDRINUSE).
        Process squatter = new ProcessBuilder("ip", "netns", "exec", "roam-" + id + "-n2", "python3", "-c",
                "import socket,time; s=socket.socket(socket.AF_UNIX); s.bind(\"\\0" + name + "\"); s.listen(); print('bound', flush=True); time.sleep(1e9)")
                .redirectErrorStream(true).start();
        try {
            assertThat(new String(squatter.getInputStream().readNBytes(5), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("bound");
            var r = roam.run("migrate", "squat", "--to", "n2", "--live");
            assertThat(r.exit()).as(r.err()).isEqualTo(1);
            String last = r.err().strip().substring(r.err().strip().lastIndexOf('\n') + 1);
            assertThat(last).startsWith("roam: error: ").contains("the restore on n2 failed").contains("runs on n1 again");
            assertThat(roam.state("squat")).isEqualTo("RUNNING");
            assertThat(roam.nodeOf("squat")).isEqualTo("n1");
            int before = Roam.numbers(roam.logs0("squat")).size();
            Roam.eventually(Duration.ofSeconds(10), "squat counts on n1", () -> Roam.numbers(roam.logs0("squat")).size() > before + 10);
            // The same process: its counter goes on from where it was frozen, it did not start again.
            Roam.assertCountsOn(Roam.numbers(roam.logs0("squat")), 20);
            assertThat(roam.processesOf("squat")).isEqualTo(1);
        } finally {
            squatter.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        roam.run("kill", "--signal", "KILL", "squat").ok();
    }

    /** Live processes whose command line starts with {@code exe}. */
    static List<Long> marked(String exe) {
        List<Long> pids = new ArrayList<>();
        for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
            try {
                String cmd = Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
                String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
                if (cmd.startsWith(exe + "\0") && !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) pids.add(p.pid());
            } catch (IOException | RuntimeException e) {
                // gone
            }
        }
        return pids;
    }

    /** The pids of `criu dump --lazy-pages` processes dumping into one of the job's image directories. */
    static List<Long> criuDumpsOf(String job) {
        List<Long> pids = new ArrayList<>();
        for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
            try {
                String cmd = Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline")).replace('\0', ' ');
                if (cmd.contains("criu dump") && cmd.contains("--lazy-pages") && cmd.contains("/images/" + job + ".")
                        && !cmd.startsWith("/bin/sh") && !cmd.startsWith("/bin/bash")) pids.add(p.pid());
            } catch (IOException | RuntimeException e) {
                // gone
            }
        }
        return pids;
    }

    /** The job's clock: the millisecond value of every "t MS I" line. */
    static List<Long> ticks(String log) {
        List<Long> t = new ArrayList<>();
        for (String l : log.split("\n")) {
            String[] f = l.trim().split(" ");
            if (f.length == 3 && f[0].equals("t")) t.add(Long.parseLong(f[1]));
        }
        return t;
    }

    static long maxGap(List<Long> t) {
        long max = 0;
        for (int i = 1; i < t.size(); i++) max = Math.max(max, t.get(i) - t.get(i - 1));
        return max;
    }

    static long number(Pattern p, String text) {
        Matcher m = p.matcher(text);
        long last = -1;
        while (m.find()) last = Long.parseLong(m.group(1));
        assertThat(last).as("'%s' in: %s", p, text).isNotNegative();
        return last;
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String tail(String log) {
        String[] l = log.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(l, Math.max(0, l.length - 5), l.length));
    }
}
