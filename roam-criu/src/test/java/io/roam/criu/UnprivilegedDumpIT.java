package io.roam.criu;

import io.roam.criu.sys.ProcFs;
import io.roam.criu.testing.Poll;
import io.roam.criu.testing.Processes;
import io.roam.criu.testing.TestJob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A job of an unprivileged user (nobody) is dumped as that user and restored by root with its ids intact. */
class UnprivilegedDumpIT {
    private static final Duration T = Duration.ofSeconds(20);
    private static final int NOBODY = 65534;
    private static final String COUNTER = "i=0; while :; do i=$((i+1)); echo $i; sleep 0.02; done";
    private static CriuCheckpointEngine engine;

    @TempDir Path dir;
    private Path spool;

    @BeforeAll
    static void engine() { engine = new CriuCheckpointEngine(CriuCheckpointEngine.locateCriu()); }

    @BeforeEach
    void userDirs() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        spool = Files.createDirectory(dir.resolve("spool"));
        for (String f : List.of("", "out", "err")) {
            Path p = f.isEmpty() ? spool : Files.createFile(spool.resolve(f));
            Files.setAttribute(p, "unix:uid", NOBODY);
            Files.setAttribute(p, "unix:gid", NOBODY);
        }
    }

    @Test
    void dumpAsTheUserThenRestoreAsRootKeepsTheUsersIds() throws Exception {
        Path images = dir.resolve("img");
        try (TestJob job = TestJob.startAs(spool, NOBODY, NOBODY, COUNTER)) {
            assertThat(ProcFs.status(job.pid()).get("Uid")).startsWith(NOBODY + "\t");
            Poll.until(T, "the counter to reach 10", () -> job.outputLines().size() >= 10);
            DumpOutcome d = engine.dump(new DumpSpec(job.pid(), images, false, T));
            assertThat(d).as("dump of nobody's job").isInstanceOf(Dumped.class);
            job.awaitGone();
            assertThat(Files.getAttribute(images, "unix:uid")).isEqualTo(NOBODY);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(images))).isEqualTo("rwx------");
            assertThat(Files.readString(images.resolve(CriuCheckpointEngine.DUMP_LOG))).contains("Dumping finished successfully");
            int before = job.outputLines().size();

            Restored r = (Restored) engine.restore(new RestoreSpec(images, T));
            try {
                assertThat(ProcFs.status(r.hostPid()).get("Uid")).startsWith(NOBODY + "\t" + NOBODY);
                assertThat(ProcFs.status(r.hostPid()).get("Gid")).startsWith(NOBODY + "\t" + NOBODY);
                Poll.until(T, "the restored counter to go on", () -> job.outputLines().size() >= before + 10);
                List<String> after = job.outputLines();
                for (int i = 0; i < after.size(); i++) assertThat(after.get(i)).isEqualTo(Integer.toString(i + 1));

                // and the restored job can be checkpointed again, by its user
                assertThat(engine.dump(new DumpSpec(r.hostPid(), dir.resolve("img2"), true, T))).isInstanceOf(Dumped.class);
                assertThat(ProcFs.alive(r.hostPid())).isTrue();
            } finally {
                Processes.kill(r.hostPid(), r.hostPidStart());
            }
        }
    }

    @Test
    void anImageDirectoryTheUserCannotReachIsRefusedWithTheReason() throws Exception {
        Path closed = Files.createDirectory(dir.resolve("closed"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Path images = closed.resolve("img");
        try (TestJob job = TestJob.startAs(spool, NOBODY, NOBODY, COUNTER)) {
            Poll.until(T, "the counter to start", () -> job.outputLines().size() >= 2);
            assertThat(engine.dump(new DumpSpec(job.pid(), images, true, T))).isEqualTo(new DumpFailed(FailureKind.IO,
                    "uid " + NOBODY + " cannot reach image directory " + images + ": make " + closed
                            + " searchable (chmod o+x) or keep roam's home on a path every user can traverse", ""));
            assertThat(job.running()).isTrue();
        }
    }
}
