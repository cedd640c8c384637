package io.roam.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.cli.CliContext;
import io.roam.cli.TestConsole;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * roam up / roam down with real processes: a stand-in roam-supervise (bash, same contract as the C one) runs
 * stand-in daemons (StandInDaemon in its own JVM) that publish coordinator.addr and agent.sock for real.
 */
class UpDownIT {
    @TempDir
    Path tmp;

    private Path home;
    private Path dist;

    @BeforeEach
    void distribution() throws IOException {
        home = tmp.resolve("home");
        dist = tmp.resolve("dist");
        Files.createDirectories(dist.resolve("lib/native"));
        Files.createDirectories(dist.resolve("bin"));
        try (InputStream in = UpDownIT.class.getResourceAsStream("fake-roam-supervise.sh")) {
            Files.copy(in, dist.resolve("lib/native/roam-supervise"));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // With a file reexec-agent in the state dir, the agent goes through an exec whose argv is not the agent's
        // (0.6 s of argv as bin/roam's, then 0.6 s as a plain `env … bash -c …`), as a launcher chain does for a moment.
        String reexec = """
                if [ "$1" = agent ] && [ -z "${ROAM_REEXEC:-}" ]; then
                  for ((i=1; i<=$#; i++)); do [ "${!i}" = --state-dir ] && { j=$((i+1)); state=${!j}; }; done
                  if [ -e "$state/reexec-agent" ]; then
                    printf '%s\\0' "$@" > "$state/agent.args"
                    sleep 0.6
                    exec env ROAM_REEXEC=1 bash -c 'sleep 0.6; mapfile -d "" a < "$0"; exec "$1" "${a[@]}"' "$state/agent.args" "$0"
                  fi
                fi
                """;
        Files.writeString(dist.resolve("bin/roam"), "#!/usr/bin/env bash\n" + reexec + "exec '" + java + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
                + " -cp '" + System.getProperty("java.class.path") + "' " + StandInDaemon.class.getName() + " \"$@\"\n");
        for (Path p : List.of(dist.resolve("lib/native/roam-supervise"), dist.resolve("bin/roam"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @AfterEach
    void killEverythingStarted() throws IOException {
        Files.deleteIfExists(dist.resolve("lib/native/linger"));
        if (!Files.isDirectory(home.resolve("run"))) return;
        try (var files = Files.list(home.resolve("run"))) {
            for (Path pidFile : files.filter(p -> p.toString().endsWith(".supervise.pid")).toList()) {
                long pid = Long.parseLong(Files.readString(pidFile).strip());
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.descendants().forEach(ProcessHandle::destroyForcibly);
                    h.destroyForcibly();
                });
                assertThat(waitFor(() -> !ProcFs.alive(pid))).as("supervisor %d is gone", pid).isTrue();
            }
        }
    }

    private TestConsole console() {
        return new TestConsole(home, Map.of(CliContext.DIST_ENV, dist.toString()), OptionalInt.empty(), 0);
    }

    @Test
    void upStartsTheCoordinatorThenTheAgentAndDownStopsThemWhileJobsWouldKeepRunning() throws IOException {
        var up = console();
        assertThat(up.roam("up")).as(up.err()).isZero();
        var lines = up.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).matches("started the coordinator at 127\\.0\\.0\\.1:\\d+ \\(supervisor pid \\d+\\)");
        assertThat(lines.get(1)).matches("started agent n1 \\(supervisor pid \\d+\\)");
        assertThat(lines.get(2)).isEqualTo("roam is up (state in " + home + ")");
        assertThat(home.resolve("coordinator.addr")).exists();
        assertThat(Files.readString(home.resolve("log/agent-n1.log"))).contains("stand-in agent is up");
        long coordinator = daemonPid("coordinator");
        long agent = daemonPid("agent-n1");

        var ps = console();
        assertThat(ps.roam("ps")).as(ps.err()).isZero();
        assertThat(ps.out()).contains("sleeper").contains("RUNNING");

        var again = console();
        assertThat(again.roam("up")).isZero();
        assertThat(again.out()).isEqualTo("roam is already up\n");
        assertThat(daemonPid("agent-n1")).isEqualTo(agent);

        var down = console();
        assertThat(down.roam("down")).as(down.err()).isZero();
        assertThat(down.out()).isEqualTo("stopped agent n1 (pid " + agent + ")\n"
                + "stopped the coordinator (pid " + coordinator + ")\n"
                + "roam is down; 1 job keeps running and will be re-adopted by 'roam up'\n");
        assertThat(ProcFs.alive(agent)).isFalse();
        assertThat(ProcFs.alive(coordinator)).isFalse();
        assertThat(home.resolve("agent.sock")).doesNotExist();
        assertThat(home.resolve("coordinator.addr")).doesNotExist();
        assertThat(Files.readString(home.resolve("run/agent-n1.exits"))).isEqualTo(agent + " 143\n");

        var downAgain = console();
        assertThat(downAgain.roam("down")).isZero();
        assertThat(downAgain.out()).isEqualTo("roam is already down\n");
    }

    @Test
    void aDaemonThatFailsAtStartIsReportedWithTheEndOfItsLog() throws IOException {
        Files.createDirectories(home);
        Files.writeString(home.resolve("fail-coordinator"), "port 7000 is taken");
        var up = console();

        assertThat(up.roam("up")).isEqualTo(1);

        var err = up.err().lines().toList();
        assertThat(err.getFirst()).startsWith("roam: error: the coordinator exited while starting")
                .endsWith(": see " + home.resolve("log/coordinator.log"));
        assertThat(err).contains("  stand-in coordinator: failing on purpose: port 7000 is taken");
        assertThat(home.resolve("agent.sock")).doesNotExist();
    }

    @Test
    void aDaemonBetweenTwoExecsIsNotTakenForOneThatExited() throws IOException {
        Files.createDirectories(home);
        Files.createFile(home.resolve("reexec-agent"));
        var up = console();
        assertThat(up.roam("up")).as(up.err()).isZero();
        assertThat(up.out()).contains("started agent n1").endsWith("roam is up (state in " + home + ")\n");
        assertThat(console().roam("ps")).isZero();
        assertThat(console().roam("down")).isZero();
    }

    @Test
    void upRestartsADeadAgentUnderTheSupervisorThatKeptItsJobs() throws IOException {
        Files.createFile(dist.resolve("lib/native/linger"));
        assertThat(console().roam("up")).isZero();
        long supervisor = Long.parseLong(Files.readString(home.resolve("run/agent-n1.supervise.pid")).strip());
        long agent = daemonPid("agent-n1");
        ProcessHandle.of(agent).orElseThrow().destroyForcibly();
        assertThat(waitFor(() -> !ProcFs.alive(agent))).isTrue();
        assertThat(home.resolve("agent.sock")).as("a killed agent leaves its socket").exists();

        var ps = console();
        assertThat(ps.roam("ps")).isEqualTo(1);
        assertThat(ps.err()).contains("roam is not running here");

        var up = console();
        assertThat(up.roam("up")).as(up.err()).isZero();
        assertThat(up.out()).isEqualTo("restarted agent n1 under its supervisor (pid " + supervisor
                + "), which had kept its jobs alive\nroam is up (state in " + home + ")\n");
        assertThat(daemonPid("agent-n1")).isNotEqualTo(agent);
        assertThat(console().roam("ps")).isZero();

        var down = console();
        assertThat(down.roam("down")).as(down.err()).isZero();
        assertThat(ProcFs.alive(supervisor)).as("the agent's supervisor stays while it has jobs (here: linger)").isTrue();
    }

    @Test
    void upOutsideTheLauncherOrWithoutTheSupervisorBinarySaysWhatIsMissing() throws IOException {
        var noDist = new TestConsole(home, Map.of(), OptionalInt.empty(), 0);
        assertThat(noDist.roam("up")).isEqualTo(1);
        assertThat(noDist.err()).isEqualTo("roam: error: ROAM_DIST is not set: run roam through its launcher, "
                + "bin/roam of the distribution\n");
        Files.delete(dist.resolve("lib/native/roam-supervise"));
        var noBinary = console();
        assertThat(noBinary.roam("up")).isEqualTo(1);
        assertThat(noBinary.err()).isEqualTo("roam: error: " + dist.resolve("lib/native/roam-supervise")
                + " is missing or not executable: rebuild the distribution (scripts/setup)\n");
    }

    private long daemonPid(String name) throws IOException {
        long supervisor = Long.parseLong(Files.readString(home.resolve("run/" + name + ".supervise.pid")).strip());
        var children = ProcFs.children(supervisor);
        assertThat(children).as("children of %s's supervisor", name).hasSize(1);
        return children.getFirst();
    }

    private static boolean waitFor(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
