package io.roam.criu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CRIU's kernel-feature cache on a machine whose /run is not a tmpfs (this one and CI): real criu, as root. */
class KerndatCacheIT {
    private static final Path CRIU = CriuCheckpointEngine.locateCriu();

    @Test void tmpfsIsToldApartFromADiskFilesystem() throws Exception {
        assertThat(KerndatCache.isTmpfs(Path.of("/dev/shm"))).isTrue();
        assertThat(KerndatCache.isTmpfs(Path.of("/proc/self/.."))).isFalse();
    }

    @Test void criuLoadsTheCacheWrittenForThisBootAndAStaleOneIsMadeAgain(@TempDir Path tmp) throws Exception {
        assumeFalse(KerndatCache.isTmpfs(KerndatCache.RUN), "/run is a tmpfs here: criu keeps its cache itself");
        Path mark = KerndatCache.RUN.resolve(KerndatCache.BOOT_MARK);
        Files.writeString(mark, "another-boot\n");   // as after a reboot into another kernel
        assertThat(KerndatCache.ensure(CRIU)).isEqualTo(KerndatCache.Outcome.WRITTEN);
        String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        assertThat(Files.readString(mark)).isEqualTo(boot + "\n" + KerndatCache.identity(CRIU) + "\n");
        assertThat(KerndatCache.ensure(CRIU)).isEqualTo(KerndatCache.Outcome.CURRENT);
        // this boot, but the cache of another criu build (criu rebuilt or upgraded without a reboot): made again
        Files.writeString(mark, boot + "\ncriu /usr/local/sbin/criu 1 2\n");
        assertThat(KerndatCache.ensure(CRIU)).isEqualTo(KerndatCache.Outcome.WRITTEN);
        assertThat(KerndatCache.ensure(CRIU)).isEqualTo(KerndatCache.Outcome.CURRENT);

        Path logFile = tmp.resolve("check.log");
        Process p = new ProcessBuilder(CRIU.toString(), "check", "-v4", "-o", logFile.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor()).isZero();
        assertThat(Files.readString(logFile)).contains("Loaded kdat cache from /run/criu.kdat");
        // nothing of the private tmpfs is left mounted
        assertThat(Files.readAllLines(Path.of("/proc/self/mounts"))).noneMatch(l -> l.startsWith("roam-kdat "));
    }
}
