package io.roam.cli.daemon;

import io.roam.cli.daemon.LaunchOutcome.LaunchFailed;
import io.roam.cli.daemon.LaunchOutcome.Launched;
import io.roam.core.RoamHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts a daemon under roam-supervise: {@code roam-supervise --pidfile F --exits F --log F -- bin/roam ARGS…}.
 * roam-supervise forks, prints the supervisor's pid and exits 0 once the daemon runs.
 */
record SuperviseLauncher(Path supervise, Path roamLauncher, RoamHome home) {
    static final Duration FORK_TIMEOUT = Duration.ofSeconds(10);

    List<String> command(Daemon d) {
        var cmd = new ArrayList<>(List.of(supervise.toString(), "--pidfile", d.pidFile(home).toString(),
                "--exits", d.exitsFile(home).toString(), "--log", d.logFile(home).toString(), "--"));
        cmd.addAll(d.wrapper());
        cmd.add(roamLauncher.toString());
        cmd.addAll(d.args());
        return cmd;
    }

    LaunchOutcome launch(Daemon d) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile(home.runDir(), d.name() + ".supervise-", ".out");
            err = Files.createTempFile(home.runDir(), d.name() + ".supervise-", ".err");
            // files, not pipes: the supervisor that stays behind must not hold our pipe open
            var pb = new ProcessBuilder(command(d)).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put(RoamHome.ENV, home.root().toString());
            Process p = pb.start();
            if (!p.waitFor(FORK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new LaunchFailed(supervise + " did not return within " + FORK_TIMEOUT.toSeconds() + " s");
            }
            String stdout = Files.readString(out).strip();
            String stderr = Files.readString(err).strip();
            if (p.exitValue() != 0) {
                return new LaunchFailed(supervise.getFileName() + " failed with exit status " + p.exitValue()
                        + (stderr.isEmpty() ? "" : ": " + stderr.lines().findFirst().orElseThrow()));
            }
            long pid;
            try {
                pid = Long.parseLong(stdout.lines().reduce((a, b) -> b).orElse("").strip());
            } catch (NumberFormatException e) {
                return new LaunchFailed(supervise.getFileName() + " printed '" + stdout + "' instead of the supervisor's pid");
            }
            return new Launched(new Supervisor(pid));
        } catch (IOException e) {
            return new LaunchFailed("cannot run " + supervise + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new LaunchFailed("interrupted while starting " + d.label());
        } finally {
            delete(out);
            delete(err);
        }
    }

    private static void delete(Path p) {
        if (p == null) return;
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
