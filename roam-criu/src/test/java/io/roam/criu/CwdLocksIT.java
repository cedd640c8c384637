package io.roam.criu;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.criu.testing.Poll;
import io.roam.criu.testing.TestJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent dumps of tasks that share a working directory (CRIU's parasite mounts a procfs there): real criu, as root. */
class CwdLocksIT {
    private static final Duration T = Duration.ofSeconds(30);

    @TempDir Path dir;

    @Test void dumpsOfJobsInOneWorkingDirectoryAtOnceAllSucceed() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        // eight tasks per tree: the parasite of each one makes (and removes) proc.crtools in the shared directory
        String tree = "cd '" + shared + "' && for k in 1 2 3 4 5 6 7; do (while :; do sleep 1; done) & done; "
                + "exec sh -c 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.02; done'";
        var engine = new CriuCheckpointEngine(CriuCheckpointEngine.locateCriu());
        List<TestJob> jobs = new ArrayList<>();
        try {
            for (String n : List.of("a", "b", "c")) jobs.add(TestJob.start(Files.createDirectories(dir.resolve(n)), tree));
            for (TestJob j : jobs) Poll.until(T, "the jobs to count", () -> j.outputLines().size() >= 3);
            assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(jobs.getFirst().pid()), "cwd"))).isEqualTo(shared);
            List<DumpOutcome> outcomes = new ArrayList<>();
            for (int round = 0; round < 8; round++) {
                List<CompletableFuture<DumpOutcome>> running = new ArrayList<>();
                for (int k = 0; k < jobs.size(); k++) {
                    TestJob j = jobs.get(k);
                    Path images = dir.resolve("img-" + round + "-" + k);
                    running.add(CompletableFuture.supplyAsync(() -> engine.dump(new DumpSpec(j.pid(), images, true, T))));
                }
                for (var f : running) outcomes.add(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(outcomes).allMatch(o -> o instanceof Dumped, "every dump succeeded: " + outcomes);
            assertThat(shared.resolve("proc.crtools")).doesNotExist();
            int before = jobs.getFirst().outputLines().size();
            Poll.until(T, "the jobs to count on after the dumps", () -> jobs.getFirst().outputLines().size() > before + 3);
        } finally {
            for (TestJob j : jobs) j.close();
        }
    }

    @Test void aParasiteDirectoryLeftByAKilledDumpDoesNotFailTheNextOne() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.createDirectory(shared.resolve(CwdLocks.PARASITE_DIR));   // as a dump killed inside the parasite leaves it
        var engine = new CriuCheckpointEngine(CriuCheckpointEngine.locateCriu());
        try (TestJob j = TestJob.start(Files.createDirectories(dir.resolve("j")), "cd '" + shared + "' && exec sh -c 'while :; do sleep 0.05; done'")) {
            Poll.until(T, "the job to be in the shared directory", () -> shared.equals(cwdOf(j.pid())));
            DumpOutcome d = engine.dump(new DumpSpec(j.pid(), dir.resolve("img"), true, T));
            assertThat(d).isInstanceOf(Dumped.class);
            assertThat(shared.resolve(CwdLocks.PARASITE_DIR)).doesNotExist();
        }
    }

    private static Path cwdOf(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
        } catch (java.io.IOException e) {
            return null;
        }
    }

    @Test void oneDirectoryIsHeldByOneDumpAtATimeAndOthersAreFree() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean secondGotIt = new AtomicBoolean();
        var first = CompletableFuture.runAsync(() -> {
            try (CwdLocks l = CwdLocks.acquire(List.of("/some/dir"))) {
                held.countDown();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        held.await();
        var second = CompletableFuture.runAsync(() -> {
            try (CwdLocks l = CwdLocks.acquire(List.of("/other/dir", "/some/dir"))) {
                secondGotIt.set(true);
            }
        });
        try (CwdLocks other = CwdLocks.acquire(List.of("/other/dir/elsewhere"))) {
            assertThat(other).isNotNull();   // another directory is not held up
        }
        Thread.sleep(200);
        assertThat(secondGotIt).isFalse();
        release.countDown();
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
        assertThat(secondGotIt).isTrue();
    }
}
