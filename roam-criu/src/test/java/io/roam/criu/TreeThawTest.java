package io.roam.criu;

import io.roam.criu.sys.Libc;
import io.roam.criu.sys.ProcFs;
import io.roam.criu.testing.Poll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class TreeThawTest {
    private static boolean stopped(long pid) { return ProcFs.stat(pid).map(ProcFs.Stat::stopped).orElse(false); }

    @Test
    void continuesWhatWasStoppedAfterTheSnapshotOnly() throws Exception {
        Process root = new ProcessBuilder("sh", "-c", "sleep 600 & sleep 600 & wait").start();
        try {
            List<Long> kids = Poll.value(Duration.ofSeconds(5), "two children", () -> {
                List<Long> c = ProcFs.children(root.pid());
                return c.size() == 2 ? c : null;
            });
            long stoppedByUser = kids.get(0);
            long stoppedByCriu = kids.get(1);
            Libc.kill(stoppedByUser, 19);
            Poll.until(Duration.ofSeconds(5), "the user's stop", () -> stopped(stoppedByUser));
            TreeThaw thaw = TreeThaw.snapshot(root.pid());
            Libc.kill(stoppedByCriu, 19);
            Libc.kill(root.pid(), 19);
            Poll.until(Duration.ofSeconds(5), "the stops", () -> stopped(stoppedByCriu) && stopped(root.pid()));

            assertThat(thaw.thaw(-1)).containsExactlyInAnyOrder(root.pid(), stoppedByCriu);
            Poll.until(Duration.ofSeconds(5), "the tasks to run again", () -> !stopped(root.pid()) && !stopped(stoppedByCriu));
            assertThat(stopped(stoppedByUser)).isTrue();
            for (long k : kids) Libc.kill(k, Libc.SIGKILL);
        } finally {
            root.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
