package io.roam.agent.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rest between two passes of a followed image ends when a file appears (the manifest is renamed into place). */
class DirWatchTest {
    @TempDir Path dir;

    @Test
    void aRestEndsWhenAFileIsRenamedIntoTheDirectoryAndOtherwiseLastsItsTime() throws Exception {
        try (DirWatch w = DirWatch.on(dir)) {
            long t0 = System.nanoTime();
            w.rest(50);
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(45);

            Files.writeString(dir.resolve("manifest.pb.tmp"), "x");   // creating the temporary file wakes it too: drain that
            w.rest(1000);
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(100);
                    Files.move(dir.resolve("manifest.pb.tmp"), dir.resolve("manifest.pb"), StandardCopyOption.ATOMIC_MOVE);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            t0 = System.nanoTime();
            w.rest(20_000);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).isLessThan(10_000);
            assertThat(Files.exists(dir.resolve("manifest.pb"))).isTrue();
        }
    }
}
