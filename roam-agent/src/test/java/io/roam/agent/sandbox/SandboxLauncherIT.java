package io.roam.agent.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.agent.sandbox.LaunchOutcome.LaunchFailed;
import io.roam.agent.sandbox.LaunchOutcome.Launched;
import io.roam.core.JobId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Real jobs in real namespaces, launched as an agent would and reaped by a real roam-supervise. */
class SandboxLauncherIT {
    private static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin");

    @TempDir static Path dir;
    private static SupervisedSandbox sandbox;
    private static Path work;

    @BeforeAll
    static void startSupervisor() throws IOException {
        sandbox = SupervisedSandbox.start(dir);
        work = Files.createDirectories(dir.resolve("work"));
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void stopEverything() {
        if (sandbox != null) sandbox.close();
    }

    @Test
    void outputIsAppendedToTheSpoolAndStdinIsDevNull() throws IOException {
        Path spool = dir.resolve("spool/output");
        for (int run = 0; run < 2; run++) {
            launched(spec("output", 0, "sh", "-c", "echo out; echo err >&2; readlink /proc/self/fd/0"));
            assertThat(awaitExitFile(spool)).isZero();
        }
        assertThat(Files.readString(spool.resolve("out"))).isEqualTo("out\n/dev/null\nout\n/dev/null\n");
        assertThat(Files.readString(spool.resolve("err"))).isEqualTo("err\nerr\n");
    }

    @Test
    void theJobRunsAsPid2OfItsOwnPidAndIpcNamespaceBelowItsInit() throws IOException {
        Launched job = launched(spec("namespaces", 0, "sleep", "1000"));
        long init = job.hostPid();
        List<Long> tree = Await.value("the job below its init",
                () -> Optional.of(JobProcesses.tree(init)).filter(t -> t.size() == 2));
        long main = tree.get(1);

        assertThat(ns(init, "pid")).isNotEqualTo(ns(ProcessHandle.current().pid(), "pid")).isEqualTo(ns(main, "pid"));
        assertThat(ns(init, "ipc")).isNotEqualTo(ns(ProcessHandle.current().pid(), "ipc")).isEqualTo(ns(main, "ipc"));
        assertThat(status(init, "NSpid")).isEqualTo(init + "\t1");
        assertThat(status(main, "NSpid")).isEqualTo(main + "\t2");
        String[] stat = statFields(main);
        assertThat(stat[2]).as("pgid: its own group").isEqualTo(Long.toString(main));
        assertThat(stat[3]).as("session: the init's").isEqualTo(Long.toString(init));
        assertThat(status(init, "PPid")).as("the init was adopted by the supervisor").isEqualTo(Long.toString(sandbox.supervisorPid));
        assertThat(JobProcesses.rssBytes(init)).isGreaterThan(JobProcesses.rssBytes(main)).isPositive();

        JobProcesses.signal(init, JobProcesses.SIGKILL);
        assertThat(sandbox.awaitLoggedExit(init)).isEqualTo(137);
    }

    @Test
    void theExitCodeIsRecordedInTheSpoolAndTheSupervisorsLog() throws IOException {
        Path spool = dir.resolve("spool/exit3");
        Launched job = launched(spec("exit3", 0, "sh", "-c", "exit 3"));

        assertThat(awaitExitFile(spool)).isEqualTo(3);
        assertThat(Files.readString(spool.resolve("exit"))).isEqualTo("3\n");
        assertThat(sandbox.awaitLoggedExit(job.hostPid())).isEqualTo(3);
        assertThat(ExitRecords.exitCode(spool, job.hostPid(), sandbox.exitsFile)).hasValue(3);
        Files.delete(spool.resolve("exit"));
        assertThat(ExitRecords.exitCode(spool, job.hostPid(), sandbox.exitsFile)).hasValue(3);
    }

    @ParameterizedTest
    @CsvSource({"15, 143", "2, 130"})
    void aSignalToTheInitEndsTheJobLikeANormalProcess(int signal, int expected) {
        Path spool = dir.resolve("spool/signal" + signal);
        Launched job = launched(spec("signal" + signal, 0, "sh", "-c", "sleep 1000; echo not reached"));
        List<Long> tree = Await.value("the job's processes", () -> Optional.of(JobProcesses.tree(job.hostPid())).filter(t -> t.size() == 3));

        assertThat(JobProcesses.signal(job.hostPid(), signal)).isTrue();

        assertThat(awaitExitFile(spool)).isEqualTo(expected);
        assertThat(sandbox.awaitLoggedExit(job.hostPid())).isEqualTo(expected);
        assertThat(ExitRecords.exitCode(spool, job.hostPid(), sandbox.exitsFile)).hasValue(expected);
        assertThat(content(spool.resolve("out"))).isEmpty();
        Await.until("every process of the job to be reaped", () -> tree.stream().noneMatch(SandboxLauncherIT::exists));
    }

    @Test
    void sigkillToTheInitKillsTheWholeNamespace() {
        Path spool = dir.resolve("spool/killed");
        Launched job = launched(spec("killed", 0, "sh", "-c", "sleep 1000 & sleep 1000 & wait"));
        List<Long> tree = Await.value("the job's processes", () -> Optional.of(JobProcesses.tree(job.hostPid())).filter(t -> t.size() == 4));

        JobProcesses.signal(job.hostPid(), JobProcesses.SIGKILL);

        assertThat(sandbox.awaitLoggedExit(job.hostPid())).isEqualTo(137);
        assertThat(spool.resolve("exit")).doesNotExist();
        assertThat(ExitRecords.exitCode(spool, job.hostPid(), sandbox.exitsFile)).hasValue(137);
        Await.until("every process of the job to be reaped (no zombie)", () -> tree.stream().noneMatch(SandboxLauncherIT::exists));
    }

    @Test
    void aJobThatIgnoresSigtermSurvivesItButNotSigkill() {
        Path spool = dir.resolve("spool/stubborn");
        Launched job = launched(spec("stubborn", 0, "sh", "-c",
                "trap '' TERM; trap 'echo usr1' USR1; echo ready; while :; do sleep 0.1; done"));
        Await.until("the job to set its traps", () -> content(spool.resolve("out")).equals("ready\n"));

        JobProcesses.signal(job.hostPid(), JobProcesses.SIGTERM);
        JobProcesses.signal(job.hostPid(), JobProcesses.SIGUSR1);   // forwarded after SIGTERM: proves it was delivered
        Await.until("the job to handle SIGUSR1", () -> content(spool.resolve("out")).equals("ready\nusr1\n"));

        assertThat(JobProcesses.alive(job.hostPid(), job.hostPidStart())).isTrue();
        assertThat(spool.resolve("exit")).doesNotExist();
        JobProcesses.signal(job.hostPid(), JobProcesses.SIGKILL);
        assertThat(sandbox.awaitLoggedExit(job.hostPid())).isEqualTo(137);
        assertThat(JobProcesses.alive(job.hostPid(), job.hostPidStart())).isFalse();
    }

    @Test
    void aMissingCommandIsRefusedBeforeAnyProcessStarts() {
        LaunchOutcome outcome = sandbox.launch(spec("missing", 0, "nosuchcmd-xyz"));

        assertThat(outcome).isEqualTo(new LaunchFailed("no such command: nosuchcmd-xyz (searched PATH=/usr/bin:/bin)"));
        assertThat(JobProcesses.tree(sandbox.supervisorPid)).containsExactly(sandbox.supervisorPid, sandbox.daemonPid);
        assertThat(dir.resolve("spool/missing")).doesNotExist();
    }

    @Test
    void anExecFailureInsideTheSandboxIsReportedAndLeavesNothingBehind() throws IOException {
        Path broken = dir.resolve("work/broken.sh");
        Files.writeString(broken, "#!/nonexistent/interpreter\n");
        Files.setPosixFilePermissions(broken, PosixFilePermissions.fromString("rwxr-xr-x"));

        LaunchOutcome outcome = sandbox.launch(spec("broken", 0, broken.toString()));

        assertThat(outcome).isEqualTo(new LaunchFailed("cannot start the job: " + broken + ": No such file or directory"));
        assertThat(JobProcesses.tree(sandbox.supervisorPid)).containsExactly(sandbox.supervisorPid, sandbox.daemonPid);
        assertThat(dir.resolve("spool/broken/exit")).doesNotExist();
    }

    @Test
    void theWholeTreeRunsAsTheJobsUser() throws IOException {
        Path spool = dir.resolve("spool/nobody");
        Launched job = launched(new SandboxSpec(JobId.of("nobody"), List.of("sh", "-c",
                "id -u; id -G; echo \"$TMPDIR\"; touch \"$TMPDIR/x\"; exec sleep 1000"),
                work, ENV, 65534, 65534, List.of(4242), spool));
        Await.until("the job's output", () -> content(spool.resolve("out")).lines().count() == 3);

        assertThat(content(spool.resolve("out"))).isEqualTo("65534\n65534 4242\n" + spool.resolve("tmp") + "\n");
        long main = JobProcesses.tree(job.hostPid()).get(1);
        for (long pid : List.of(job.hostPid(), main)) {
            assertThat(status(pid, "Uid")).isEqualTo("65534\t65534\t65534\t65534");
            assertThat(status(pid, "Groups")).isEqualTo("4242");
        }
        assertThat(Files.getAttribute(spool, "unix:uid")).isEqualTo(65534);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(spool))).isEqualTo("rwxr-x---");
        assertThat(Files.getAttribute(spool.resolve("out"), "unix:uid")).isEqualTo(65534);
        Await.until("the job's temp file", () -> Files.exists(spool.resolve("tmp/x")));
        assertThat(Files.getAttribute(spool.resolve("tmp/x"), "unix:uid")).isEqualTo(65534);

        JobProcesses.signal(job.hostPid(), JobProcesses.SIGTERM);
        assertThat(awaitExitFile(spool)).as("written by the unprivileged init").isEqualTo(143);
        assertThat(Files.getAttribute(spool.resolve("exit"), "unix:uid")).isEqualTo(65534);
    }

    @Test
    void javaJobsRunWithoutPerfData() {
        Path spool = dir.resolve("spool/java");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        launched(spec("java", 0, java, "-XX:+PrintFlagsFinal", "-version"));

        assertThat(awaitExitFile(spool)).isZero();
        assertThat(content(spool.resolve("out"))).containsPattern("bool UsePerfData\\s+= false");
        assertThat(content(spool.resolve("err"))).contains("Picked up JAVA_TOOL_OPTIONS: -XX:-UsePerfData");
    }

    @Test
    void aZombieInsideTheJobCountsAsDead() {
        Launched job = launched(spec("zombie", 0, "sh", "-c", "sleep 0 & exec sleep 1000"));
        long zombie = Await.value("a zombie in the job", () -> JobProcesses.tree(job.hostPid()).stream()
                .filter(pid -> statFields(pid)[0].equals("Z")).findFirst());

        assertThat(JobProcesses.startTime(zombie)).isPresent();
        assertThat(JobProcesses.alive(zombie, JobProcesses.startTime(zombie).getAsLong())).isFalse();
        assertThat(JobProcesses.alive(job.hostPid(), job.hostPidStart())).isTrue();

        JobProcesses.signal(job.hostPid(), JobProcesses.SIGKILL);
        assertThat(sandbox.awaitLoggedExit(job.hostPid())).isEqualTo(137);
        Await.until("the zombie to be reaped", () -> !exists(zombie));
    }

    private static SandboxSpec spec(String name, int uid, String... argv) {
        return new SandboxSpec(JobId.of(name), List.of(argv), work, ENV, uid, uid, List.of(), dir.resolve("spool/" + name));
    }

    private static Launched launched(SandboxSpec spec) {
        return switch (sandbox.launch(spec)) {
            case Launched l -> l;
            case LaunchFailed f -> throw new AssertionError("launch failed: " + f.reason());
        };
    }

    private static int awaitExitFile(Path spool) {
        return Await.value("the exit file in " + spool, () -> {
            OptionalInt code = ExitRecords.exitCode(spool, -1, spool.resolve("no-exits-log"));
            return code.isPresent() ? Optional.of(code.getAsInt()) : Optional.empty();
        });
    }

    private static String ns(long pid, String kind) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", kind)).toString();
    }

    private static String status(long pid, String field) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith(field + ":")).map(l -> l.substring(field.length() + 1).strip())
                .findFirst().orElseThrow();
    }

    /** /proc/PID/stat from field 3 (state) on: [0] state, [1] ppid, [2] pgrp, [3] session. */
    private static String[] statFields(long pid) {
        String stat = content(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.isEmpty() ? new String[] {"gone"} : stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    /** Whether the pid exists at all, zombies included. */
    private static boolean exists(long pid) {
        return Files.exists(Path.of("/proc", Long.toString(pid)));
    }

    /** The file's content; "" if it does not exist (yet), or was a /proc file of a process that is gone. */
    private static String content(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            if (Files.exists(file)) throw new UncheckedIOException(e);
            return "";
        }
    }
}
