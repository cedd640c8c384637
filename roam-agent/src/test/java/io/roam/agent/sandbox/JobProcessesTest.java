package io.roam.agent.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class JobProcessesTest {
    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void startTimeIsField22OfProcStat() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");

        assertThat(JobProcesses.startTime(SELF)).hasValue(Long.parseLong(fields[19]));
        assertThat(JobProcesses.startTime(Integer.MAX_VALUE)).isEmpty();
    }

    @Test
    void aliveOnlyForTheSameProcessNotForAReusedPid() {
        long start = JobProcesses.startTime(SELF).orElseThrow();

        assertThat(JobProcesses.alive(SELF, start)).isTrue();
        assertThat(JobProcesses.alive(SELF, start + 1)).isFalse();
        assertThat(JobProcesses.alive(Integer.MAX_VALUE, start)).isFalse();
    }

    @Test
    void treeAndRssCoverAllDescendants() throws Exception {
        Process sh = new ProcessBuilder("sh", "-c", "sleep 1000 & sleep 1000 & wait").start();
        try {
            List<Long> sleeps = awaitChildren(sh.pid(), 2);
            List<Long> tree = JobProcesses.tree(sh.pid());

            assertThat(tree).first().isEqualTo(sh.pid());
            assertThat(tree).containsExactlyInAnyOrder(sh.pid(), sleeps.get(0), sleeps.get(1));
            assertThat(JobProcesses.tree(SELF)).contains(sh.pid(), sleeps.get(0), sleeps.get(1));
            assertThat(JobProcesses.rssBytes(sh.pid())).isGreaterThan(JobProcesses.rssBytes(sleeps.get(0)));
            assertThat(JobProcesses.rssBytes(sleeps.get(0))).isPositive();
            assertThat(JobProcesses.tree(Integer.MAX_VALUE)).isEmpty();

            for (long sleep : sleeps) assertThat(JobProcesses.signal(sleep, JobProcesses.SIGTERM)).isTrue();
            assertThat(sh.waitFor(10, TimeUnit.SECONDS)).isTrue();   // `wait` returned: both sleeps died
        } finally {
            JobProcesses.tree(sh.pid()).reversed().forEach(pid -> JobProcesses.signal(pid, JobProcesses.SIGKILL));
            sh.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void signalDeliversAndReportsAMissingProcess() throws Exception {
        // SIGINT back to its default first: a process started from a non-interactive shell's background job inherits
        // it ignored (POSIX), and so would this test's sleep when the test command runs that way
        Process sleep = new ProcessBuilder("python3", "-c",
                "import os, signal; signal.signal(signal.SIGINT, signal.SIG_DFL); print('ready', flush=True); "
                        + "os.execvp('sleep', ['sleep', '1000'])").start();
        try {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(sleep.getInputStream())).readLine()).isEqualTo("ready");
            assertThat(JobProcesses.signal(sleep.pid(), JobProcesses.SIGINT)).isTrue();
            assertThat(sleep.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(sleep.exitValue()).isEqualTo(130);
            assertThat(JobProcesses.signal(sleep.pid(), JobProcesses.SIGTERM)).isFalse();
        } finally {
            sleep.destroyForcibly();
        }
    }

    @Test
    void signalRefusesProcessGroupsAndBroadcasts() {
        for (long pid : new long[] {0, -1, -SELF}) {
            assertThatThrownBy(() -> JobProcesses.signal(pid, JobProcesses.SIGTERM))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a single process id");
        }
    }

    private static List<Long> awaitChildren(long parent, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            List<Long> tree = JobProcesses.tree(parent);
            if (tree.size() == count + 1) return tree.subList(1, tree.size());
            Thread.sleep(10);
        }
        throw new AssertionError("pid " + parent + " did not get " + count + " children: " + JobProcesses.tree(parent));
    }
}
