package io.roam.agent.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-job CPU over a whole process tree, from a /proc laid out in a temp dir (the parsing is the logic under test). */
class JobUsageTest {
    @TempDir Path proc;

    private void stat(long pid, long ppid, String comm, long utime, long stime, long cutime, long cstime) throws IOException {
        Files.createDirectories(proc.resolve(Long.toString(pid)));
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
        Files.writeString(proc.resolve(pid + "/stat"), pid + " (" + comm + ") R " + ppid + " 1 1 0 -1 4194560 0 0 0 0 "
                + utime + " " + stime + " " + cutime + " " + cstime + " 20 0 1 0 100 0 0\n");
    }

    @Test
    void sumsTheTreeAndItsReapedChildrenAndMeasuresTheRate() throws IOException {
        stat(100, 1, "roam-init-abc", 0, 1, 0, 0);
        stat(101, 100, "sh) R 7 (odd", 250, 50, 100, 0);   // a comm with ')' and spaces
        stat(102, 101, "python3", 400, 0, 0, 0);
        stat(200, 1, "unrelated", 9999, 0, 0, 0);
        var usage = new JobUsage(proc);
        var first = usage.sample(Map.of("j", 100L, "gone", 999L), 0);
        assertThat(first).containsOnlyKeys("j");
        assertThat(first.get("j").cpuSeconds()).isCloseTo(8.01, within(1e-9));
        assertThat(first.get("j").rate()).isZero();
        assertThat(first.get("j").runnable()).isFalse();
        stat(102, 101, "python3", 600, 0, 0, 0);             // 2 s more CPU in 2 s: one core
        var second = usage.sample(Map.of("j", 100L), 2_000_000_000L);
        assertThat(second.get("j").rate()).isCloseTo(1.0, within(1e-9));
        assertThat(second.get("j").runnable()).isTrue();
    }
}
