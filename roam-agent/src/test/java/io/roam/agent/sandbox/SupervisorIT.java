package io.roam.agent.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.nativebin.NativeBinaries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** roam-supervise: a subreaper that logs every exit, forwards SIGTERM to its daemon only, and respawns it on SIGHUP. */
class SupervisorIT {
    @TempDir Path dir;
    private static Path supervise;

    @BeforeAll
    static void install(@TempDir Path lib) {
        TestLibc.becomeSubreaper();
        supervise = NativeBinaries.install(NativeBinaries.SUPERVISE, lib);
    }

    @Test
    void reapsOrphansLogsTheirExitAndRespawnsItsDaemonOnSighup() throws IOException {
        Path daemons = dir.resolve("daemons"), orphans = dir.resolve("orphans");
        // each daemon leaves an orphan behind (its subshell exits), then keeps running
        String daemon = "echo $$ >> " + daemons + "; (sleep 1000 & echo $! >> " + orphans + "); exec sleep 1000";
        long sup = Supervisors.start(supervise, pidFile(), exits(), dir.resolve("log"), List.of("sh", "-c", daemon));
        List<Long> everything = new ArrayList<>(List.of(sup));
        try {
            assertThat(Supervisors.running(pidFile())).hasValue(sup);
            long d1 = awaitLine(daemons, 0), o1 = awaitLine(orphans, 0);
            everything.addAll(List.of(d1, o1));
            Await.until("the orphan to be adopted by the supervisor", () -> ppid(o1) == sup);

            JobProcesses.signal(sup, JobProcesses.SIGTERM);
            assertThat(awaitLogged(d1)).as("the daemon got SIGTERM").isEqualTo(143);
            assertThat(JobProcesses.startTime(o1)).as("the orphan did not").isPresent();
            assertThat(Supervisors.running(pidFile())).as("kept alive by the orphan").hasValue(sup);

            Supervisors.respawn(sup);
            long d2 = awaitLine(daemons, 1), o2 = awaitLine(orphans, 1);
            everything.addAll(List.of(d2, o2));
            assertThat(ppid(d2)).isEqualTo(sup);
            Supervisors.respawn(sup);   // the daemon runs: no second one
            JobProcesses.signal(o1, JobProcesses.SIGKILL);
            assertThat(awaitLogged(o1)).isEqualTo(137);
            Await.until("the orphan to be reaped, not left a zombie", () -> !Files.exists(Path.of("/proc/" + o1)));

            JobProcesses.signal(o2, JobProcesses.SIGKILL);
            JobProcesses.signal(sup, JobProcesses.SIGTERM);
            assertThat(awaitLogged(d2)).isEqualTo(143);
            assertThat(awaitReaped(sup)).as("the supervisor's exit code").isZero();
            assertThat(Files.readAllLines(daemons)).hasSize(2);
            assertThat(Files.readAllLines(exits())).containsExactlyInAnyOrder(d1 + " 143", o1 + " 137", o2 + " 137", d2 + " 143");
            assertThat(pidFile()).doesNotExist();
            assertThat(Supervisors.running(pidFile())).isEmpty();
            assertThat(Files.readString(dir.resolve("log"))).contains("daemon " + d1 + " started").contains("exited with 143");
        } finally {
            everything.reversed().forEach(pid -> JobProcesses.signal(pid, JobProcesses.SIGKILL));
            if (JobProcesses.startTime(sup).isPresent()) awaitReaped(sup);
        }
    }

    @Test
    void aDaemonThatCannotStartIsReportedInOneLineAndLeavesNoSupervisor() {
        assertThatThrownBy(() -> Supervisors.start(supervise, pidFile(), exits(), dir.resolve("log"), List.of("/nonexistent/daemon")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("roam-supervise: cannot run /nonexistent/daemon: No such file or directory");
        assertThat(pidFile()).doesNotExist();
        assertThat(Supervisors.running(pidFile())).isEmpty();
    }

    @Test
    void runningIsOnlyTrueForALiveSupervisor() throws IOException {
        Files.createDirectories(pidFile().getParent());
        Files.writeString(pidFile(), ProcessHandle.current().pid() + "\n");
        assertThat(Supervisors.running(pidFile())).as("a live process that is not roam-supervise").isEmpty();
        Files.writeString(pidFile(), "garbage\n");
        assertThat(Supervisors.running(pidFile())).isEmpty();
        assertThat(Supervisors.running(dir.resolve("missing.pid"))).isEmpty();
        assertThatThrownBy(() -> Supervisors.respawn(Integer.MAX_VALUE)).hasMessageContaining("start a new one");
    }

    private Path pidFile() { return dir.resolve("run/supervise.pid"); }

    private Path exits() { return dir.resolve("run/exits"); }

    private int awaitLogged(long pid) {
        return Await.value("the exit of " + pid + " in the log", () -> {
            OptionalInt code = ExitRecords.exitCode(dir.resolve("no-spool"), pid, exits());
            return code.isPresent() ? Optional.of(code.getAsInt()) : Optional.empty();
        });
    }

    private static int awaitReaped(long pid) {
        return Await.value("process " + pid + " to exit", () -> {
            OptionalInt code = TestLibc.reap(pid);
            return code.isPresent() ? Optional.of(code.getAsInt()) : Optional.empty();
        });
    }

    private static long awaitLine(Path file, int index) {
        return Await.value("line " + (index + 1) + " of " + file, () -> {
            try {
                List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
                return lines.size() > index ? Optional.of(Long.parseLong(lines.get(index).strip())) : Optional.empty();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static long ppid(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
