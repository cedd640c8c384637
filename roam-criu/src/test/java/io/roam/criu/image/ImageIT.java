package io.roam.criu.image;

import io.roam.criu.CriuCheckpointEngine;
import io.roam.criu.CriuInfo;
import io.roam.criu.DumpSpec;
import io.roam.criu.Dumped;
import io.roam.criu.RestoreSpec;
import io.roam.criu.Restored;
import io.roam.criu.sys.ProcFs;
import io.roam.criu.testing.Poll;
import io.roam.criu.testing.Processes;
import io.roam.criu.testing.TestJob;
import io.roam.proto.JobSpec;
import io.roam.proto.MappedFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Process trees, mapped files and manifests of real checkpoints. */
class ImageIT {
    private static final Duration T = Duration.ofSeconds(20);
    private static final byte[] KEY = "secret".getBytes(StandardCharsets.UTF_8);
    private static CriuCheckpointEngine engine;
    private static CriuInfo info;

    @TempDir Path dir;

    @BeforeAll
    static void engine() {
        engine = new CriuCheckpointEngine(CriuCheckpointEngine.locateCriu());
        info = engine.info();
    }

    @Test
    void processTreeListsRootFirstThenDescendants() {
        try (TestJob job = TestJob.start(dir, "sh -c 'sleep 600' & sleep 600 & wait")) {
            List<Long> pids = Poll.value(T, "four processes", () -> {
                List<Long> p = ProcessTree.pids(job.pid());
                return p.size() == 4 ? p : null;
            });
            assertThat(pids.getFirst()).isEqualTo(job.pid());
            assertThat(pids.subList(1, 3)).containsExactlyInAnyOrderElementsOf(ProcFs.children(job.pid()));
        }
        assertThat(ProcessTree.pids(999_999_999L)).isEmpty();
    }

    @Test
    void aChangedBinaryRejectsTheImageBeforeCriuRuns() throws Exception {
        Path binary = Files.createDirectories(dir.resolve("bin")).resolve("sleepy");
        Files.copy(Path.of("/bin/sleep"), binary);
        byte[] original = Files.readAllBytes(binary);
        String buildId = ElfBuildId.read(binary).orElseThrow();
        Path images = dir.resolve("img");
        List<MappedFile> mapped;
        try (TestJob job = TestJob.start(dir, "exec " + binary + " 600").awaitExec("sleepy")) {
            mapped = MappedFiles.collect(job.pid());
            assertThat(mapped).contains(MappedFile.newBuilder().setPath(binary.toString()).setSize(original.length).setBuildId(buildId).build());
            assertThat(mapped).anySatisfy(f -> {
                assertThat(f.getPath()).contains("libc.so");
                assertThat(f.getBuildId()).hasSizeGreaterThanOrEqualTo(32);
            });
            assertThat(engine.dump(new DumpSpec(job.pid(), images, false, T))).isInstanceOf(Dumped.class);
            job.awaitGone();
        }
        ImageManifests.write(images, new ManifestInputs("sleepy.1", "sleepy", "c1", "node-1",
                JobSpec.newBuilder().addArgv(binary.toString()).build(), false, 50, mapped, info, KEY));
        assertThat(ImageChecks.verify(images, "c1", KEY, info)).isInstanceOf(Verified.class);

        // a new build of the program at the same path and of the same size
        byte[] rebuilt = original.clone();
        int at = indexOf(rebuilt, HexFormat.of().parseHex(buildId));
        rebuilt[at] ^= 0x5a;
        Files.write(binary, rebuilt);
        String newId = ElfBuildId.read(binary).orElseThrow();
        assertThat(ImageChecks.verify(images, "c1", KEY, info)).isEqualTo(new Rejected(
                binary + " changed since the checkpoint (build-id " + newId + ", was " + buildId + ")"));

        // put the original back: the image is good again, and restores
        Files.write(binary, original);
        assertThat(ImageChecks.verify(images, "c1", KEY, info)).isInstanceOf(Verified.class);
        Restored r = (Restored) engine.restore(new RestoreSpec(images, T));
        try {
            assertThat(ProcFs.readLink(ProcFs.dir(r.hostPid()).resolve("exe"))).contains(binary.toString());
            // the restore's own outputs do not spoil the image
            assertThat(ImageChecks.verify(images, "c1", KEY, info)).isInstanceOf(Verified.class);
        } finally {
            Processes.kill(r.hostPid(), r.hostPidStart());
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
