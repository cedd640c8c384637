package io.roam.criu;

import io.roam.criu.testing.Poll;
import io.roam.criu.testing.Processes;
import io.roam.criu.testing.TestJob;
import io.roam.criu.sys.ProcFs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CriuCheckpointEngineIT {
    private static final Duration T = Duration.ofSeconds(30);
    private static final String COUNTER = "i=0; while :; do i=$((i+1)); echo $i; sleep 0.02; done";
    private static CriuCheckpointEngine engine;

    @TempDir Path dir;

    @BeforeAll
    static void engine() { engine = new CriuCheckpointEngine(CriuCheckpointEngine.locateCriu()); }

    @Test
    void infoReportsVersionKernelArchAndFeatures() {
        CriuInfo info = engine.info();
        assertThat(CriuInfo.compareVersions(info.version(), "4.2")).isGreaterThanOrEqualTo(0);
        assertThat(info.kernel()).isEqualTo(ProcFs.readString(Path.of("/proc/sys/kernel/osrelease")).orElseThrow().strip());
        assertThat(info.arch()).isEqualTo(Processes.run("uname", "-m").strip());
        for (String feature : List.of("uffd", "uffd-noncoop", CriuInfo.MEM_DIRTY_TRACK)) {
            assertThat(info.has(feature)).as(feature).isEqualTo(criuCheck(feature));
        }
        long pipeMax = Long.parseLong(Processes.run("sysctl", "-n", "fs.pipe-max-size").strip());
        // procfs reports size 0: a reader that trusts it gets only the first byte of a sysctl value
        assertThat(ProcFs.readString(Path.of("/proc/sys/fs/pipe-max-size")).orElseThrow().strip()).isEqualTo(Long.toString(pipeMax));
        assertThat(info.has(CriuInfo.LAZY_PAGES)).isEqualTo(info.has("uffd-noncoop") && pipeMax >= 4 << 20);
        assertThat(engine.info()).isSameAs(info);
    }

    private static boolean criuCheck(String feature) {
        try {
            return new ProcessBuilder(engine.criuBinary().toString(), "check", "--feature", feature)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void dumpKillsTheJobAndRestoreContinuesCounting() throws Exception {
        Path images = dir.resolve("img");
        try (TestJob job = TestJob.start(dir, COUNTER)) {
            Poll.until(T, "the counter to reach 10", () -> job.outputLines().size() >= 10);
            DumpOutcome d = engine.dump(new DumpSpec(job.pid(), images, false, T));
            assertThat(d).isInstanceOf(Dumped.class);
            job.awaitGone();
            assertThat(Files.list(images).map(p -> p.getFileName().toString())).contains("pstree.img", "inventory.img", "dump.log");
            List<String> before = job.outputLines();
            long last = Long.parseLong(before.getLast());
            assertThat(before).hasSize((int) last); // nothing lost, nothing repeated

            RestoreOutcome r = engine.restore(new RestoreSpec(images, T));
            Restored restored = (Restored) r;
            try {
                assertThat(restored.hostPid()).isNotEqualTo(job.pid());
                assertThat(restored.hostPidStart()).isEqualTo(Processes.startTime(restored.hostPid()));
                assertThat(ProcFs.stat(restored.hostPid()).orElseThrow().ppid()).isNotEqualTo(ProcessHandle.current().pid());
                Poll.until(T, "the restored counter to write 10 more numbers", () -> job.outputLines().size() >= before.size() + 10);
                List<String> after = job.outputLines();
                for (int i = 0; i < after.size(); i++) assertThat(after.get(i)).isEqualTo(Integer.toString(i + 1));
            } finally {
                Processes.kill(restored.hostPid(), restored.hostPidStart());
            }
        }
    }

    @Test
    void leaveRunningDumpLeavesTheJobRunning() {
        try (TestJob job = TestJob.start(dir, COUNTER)) {
            Poll.until(T, "the counter to start", () -> job.outputLines().size() >= 3);
            DumpOutcome d = engine.dump(new DumpSpec(job.pid(), dir.resolve("img"), true, T));
            assertThat(d).isInstanceOf(Dumped.class);
            assertThat(job.running()).isTrue();
            int n = job.outputLines().size();
            Poll.until(T, "the job to go on counting", () -> job.outputLines().size() >= n + 5);
        }
    }

    @Test
    void dumpTimeoutKillsCriuAndTheFrozenJobRunsOn() throws Exception {
        // the action script hangs CRIU at post-dump, when the whole tree is frozen: a deterministic hung dump
        Path script = hangingActionScript("post-dump");
        try (TestJob job = TestJob.start(dir, COUNTER)) {
            Poll.until(T, "the counter to start", () -> job.outputLines().size() >= 3);
            DumpOutcome d = engine.dump(new DumpSpec(job.pid(), dir.resolve("img"), false, Duration.ofSeconds(2),
                    List.of("--action-script", script.toString())));
            assertThat(d).isInstanceOfSatisfying(DumpFailed.class, f -> {
                assertThat(f.kind()).isEqualTo(FailureKind.TIMEOUT);
                assertThat(f.reason()).isEqualTo("criu dump did not finish within 2000 ms and was killed; the job runs on");
                assertThat(f.logTail()).contains("post-dump");
            });
            assertThat(Files.readString(dir.resolve("hung"))).isEqualTo("post-dump\n"); // the job really was frozen
            assertThat(job.running()).isTrue();
            Poll.until(T, "criu's tracees to be detached", () -> ProcFs.status(job.pid()).get("TracerPid").equals("0"));
            int n = job.outputLines().size();
            Poll.until(T, "the job to go on counting", () -> job.outputLines().size() >= n + 5);
        } finally {
            killHungScript();
        }
    }

    @Test
    void restoreTimeoutKillsCriuAndThePartlyRestoredJob() throws Exception {
        String marker = "roam-restore-timeout-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path images = dir.resolve("img");
        try (TestJob job = TestJob.start(dir, COUNTER + " # " + marker)) {
            Poll.until(T, "the counter to start", () -> job.outputLines().size() >= 3);
            assertThat(engine.dump(new DumpSpec(job.pid(), images, false, T))).isInstanceOf(Dumped.class);
            job.awaitGone();
        }
        Path script = hangingActionScript("pre-resume");
        try {
            RestoreOutcome r = engine.restore(new RestoreSpec(images, Duration.ofSeconds(2), List.of("--action-script", script.toString())));
            assertThat(r).isInstanceOfSatisfying(RestoreFailed.class, f -> assertThat(f.kind()).isEqualTo(FailureKind.TIMEOUT));
            assertThat(Files.readString(dir.resolve("hung"))).isEqualTo("pre-resume\n"); // the job was restored, not resumed
            Poll.until(T, "the partly restored job to be killed", () -> livingProcessesWith(marker).isEmpty());
        } finally {
            killHungScript();
        }
    }

    /** An action script that records the stage and sleeps in it, so that criu hangs there. */
    private Path hangingActionScript(String stage) throws Exception {
        Path script = dir.resolve("hang.sh");
        Files.writeString(script, "#!/bin/sh\n"
                + "[ \"$CRTOOLS_SCRIPT_ACTION\" = " + stage + " ] || exit 0\n"
                + "echo $CRTOOLS_SCRIPT_ACTION >> " + dir.resolve("hung") + "\n"
                + "echo $$ > " + dir.resolve("hung.pid") + "\n"
                + "exec sleep 60\n");
        script.toFile().setExecutable(true);
        return script;
    }

    private void killHungScript() throws Exception {
        Path pidFile = dir.resolve("hung.pid");
        if (!Files.exists(pidFile)) return;
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        ProcFs.stat(pid).filter(s -> s.comm().equals("sleep")).ifPresent(s -> Processes.kill(pid, s.startTime()));
    }

    private static List<Long> livingProcessesWith(String marker) {
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .filter(pid -> ProcFs.alive(pid) && ProcFs.readString(ProcFs.dir(pid).resolve("cmdline")).orElse("").contains(marker))
                    .toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void dumpOfAMissingProcessOrIntoAnUsedDirectoryFails() throws Exception {
        long gone;
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        gone = p.pid();
        DumpOutcome d = engine.dump(new DumpSpec(gone, dir.resolve("a"), false, T));
        assertThat(d).isInstanceOfSatisfying(DumpFailed.class, f ->
                assertThat(f.reason()).isEqualTo("pid " + gone + " does not exist: the job is not running"));
        Files.writeString(Files.createDirectories(dir.resolve("b")).resolve("pages-1.img"), "old");
        assertThat(engine.dump(new DumpSpec(gone, dir.resolve("b"), false, T))).isEqualTo(new DumpFailed(FailureKind.IO,
                "image directory " + dir.resolve("b") + " already holds an image: dump into a new directory", ""));
    }

    @Test
    void restoreOfMissingDirectoryIsAnIoFailure() {
        RestoreOutcome r = engine.restore(new RestoreSpec(dir.resolve("nope"), T));
        assertThat(r).isInstanceOfSatisfying(RestoreFailed.class, f -> assertThat(f.kind()).isEqualTo(FailureKind.IO));
    }

    @Test
    void restoreRefusesWhenAnOpenFileIsMissing() throws Exception {
        Path data = dir.resolve("data");
        Files.writeString(data, "hello");
        Path images = dir.resolve("img");
        try (TestJob job = TestJob.start(dir, "exec 3<" + data + "; " + COUNTER)) {
            Poll.until(T, "the counter to start", () -> job.outputLines().size() >= 3);
            assertThat(engine.dump(new DumpSpec(job.pid(), images, false, T))).isInstanceOf(Dumped.class);
            job.awaitGone();
        }
        Files.delete(data);
        RestoreOutcome r = engine.restore(new RestoreSpec(images, T));
        assertThat(r).isInstanceOfSatisfying(RestoreFailed.class, f -> {
            assertThat(f.kind()).isEqualTo(FailureKind.REFUSED);
            assertThat(f.reason()).isEqualTo("file " + data + " is missing on this machine: the job had it open at the checkpoint");
            assertThat(f.logTail()).contains("Restoring FAILED");
        });
    }
}
