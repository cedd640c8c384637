package io.roam.agent.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.agent.sandbox.LaunchOutcome.Launched;
import io.roam.nativebin.NativeBinaries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A real roam-supervise for tests, whose daemon is a relay: {@link #launcher()} hands each roam-init call to it, so the
 * init that roam-init leaves behind is orphaned under the supervisor exactly as under a supervised agent (the test JVM
 * itself cannot run below a supervisor it started). {@link #close} kills every job, stops the daemon with SIGTERM and
 * waits until the supervisor has exited (0) and was reaped.
 */
final class SupervisedSandbox implements AutoCloseable {
    private static final String DAEMON = """
            #!/bin/bash
            # roam-supervise's daemon in tests: runs each roam-init call that init.sh hands over as its own child,
            # with exactly the argv and environment init.sh was given, and records its output and exit code.
            relay=$1 init=$2
            exec 3<>"$relay/fifo"
            while read -r req <&3; do
              mapfile -d '' vars < "$req.env"
              mapfile -d '' args < "$req.argv"
              /usr/bin/env -i "${vars[@]}" "$init" "${args[@]}" > "$req.out" 2>&1 < /dev/null
              echo $? > "$req.rc.tmp" && mv "$req.rc.tmp" "$req.rc"
            done
            """;
    private static final String STAND_IN = """
            #!/bin/bash
            # stands in for roam-init: passes the call to the relay daemon and answers what roam-init answered
            relay=RELAY
            req=$(/usr/bin/mktemp "$relay/req.XXXXXX") || exit 1
            /usr/bin/cp /proc/$$/environ "$req.env"
            printf '%s\\0' "$@" > "$req.argv"
            echo "$req" > "$relay/fifo"
            for _ in $(/usr/bin/seq 1000); do
              if [ -e "$req.rc" ]; then /usr/bin/cat "$req.out"; exit "$(/usr/bin/cat "$req.rc")"; fi
              /usr/bin/sleep 0.01
            done
            echo "relay: no answer from the supervised daemon"; exit 1
            """;

    final Path dir;
    final Path exitsFile;
    final long supervisorPid;
    final long daemonPid;
    private final Path standIn;
    private final List<Launched> launched = new ArrayList<>();

    private SupervisedSandbox(Path dir, Path exitsFile, long supervisorPid, Path standIn) {
        this.dir = dir;
        this.exitsFile = exitsFile;
        this.supervisorPid = supervisorPid;
        this.standIn = standIn;
        List<Long> tree = Await.value("the relay daemon", () -> Optional.of(JobProcesses.tree(supervisorPid)).filter(t -> t.size() == 2));
        this.daemonPid = tree.get(1);
    }

    /** Starts a supervisor with its relay daemon in {@code dir}, made searchable so that jobs of any uid reach it. */
    static SupervisedSandbox start(Path dir) {
        TestLibc.becomeSubreaper();
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            Path lib = dir.resolve("lib");
            Path init = NativeBinaries.install(NativeBinaries.INIT, lib);
            Path supervise = NativeBinaries.install(NativeBinaries.SUPERVISE, lib);
            Path relay = Files.createDirectories(dir.resolve("relay"));
            run("/usr/bin/mkfifo", relay.resolve("fifo").toString());
            Path daemon = executable(relay.resolve("daemon.sh"), DAEMON);
            Path standIn = executable(relay.resolve("init.sh"), STAND_IN.replace("RELAY", relay.toString()));
            Path exits = dir.resolve("run/exits");
            long pid = Supervisors.start(supervise, dir.resolve("run/supervise.pid"), exits, dir.resolve("log/supervise.log"),
                    List.of("/bin/bash", daemon.toString(), relay.toString(), init.toString()));
            return new SupervisedSandbox(dir, exits, pid, standIn);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    SandboxLauncher launcher() {
        return new SandboxLauncher(standIn);
    }

    /** Launches through {@link #launcher()} and remembers the job, so that {@link #close} can kill it. */
    LaunchOutcome launch(SandboxSpec spec) {
        LaunchOutcome outcome = launcher().launch(spec);
        if (outcome instanceof Launched l) launched.add(l);
        return outcome;
    }

    /** The status the supervisor logged when it reaped {@code pid}, once it did. */
    int awaitLoggedExit(long pid) {
        return Await.value("the supervisor to log the exit of " + pid, () -> {
            OptionalInt code = ExitRecords.exitCode(dir.resolve("no-spool"), pid, exitsFile);
            return code.isPresent() ? Optional.of(code.getAsInt()) : Optional.empty();
        });
    }

    @Override
    public void close() {
        for (Launched job : launched) {
            if (JobProcesses.alive(job.hostPid(), job.hostPidStart())) {
                JobProcesses.signal(job.hostPid(), JobProcesses.SIGKILL);
                awaitLoggedExit(job.hostPid());
            }
        }
        JobProcesses.signal(supervisorPid, JobProcesses.SIGTERM);
        int code = Await.value("supervisor " + supervisorPid + " to exit", () -> {
            OptionalInt c = TestLibc.reap(supervisorPid);
            return c.isPresent() ? Optional.of(c.getAsInt()) : Optional.empty();
        });
        assertThat(code).as("supervisor exit code").isZero();
        assertThat(dir.resolve("run/supervise.pid")).doesNotExist();
    }

    private static Path executable(Path path, String content) throws IOException {
        Files.writeString(path, content);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        return path;
    }

    private static void run(String... command) {
        try {
            Process p = new ProcessBuilder(command).inheritIO().start();
            if (!p.waitFor(Await.TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
