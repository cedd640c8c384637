package io.roam.cli.daemon;

import io.roam.cli.daemon.LaunchOutcome.LaunchFailed;
import io.roam.cli.daemon.LaunchOutcome.Launched;
import io.roam.cli.daemon.StartOutcome.AlreadyUp;
import io.roam.cli.daemon.StartOutcome.Restarted;
import io.roam.cli.daemon.StartOutcome.StartFailed;
import io.roam.cli.daemon.StartOutcome.Started;
import io.roam.core.RoamHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Brings one daemon up under roam-supervise, or finds it up, and waits until it serves. */
final class DaemonStarter {
    private static final Duration POLL = Duration.ofMillis(50);

    private final SuperviseLauncher launcher;
    private final RoamHome home;
    private final Duration readyTimeout;

    DaemonStarter(SuperviseLauncher launcher, Duration readyTimeout) {
        this.launcher = launcher;
        this.home = launcher.home();
        this.readyTimeout = readyTimeout;
    }

    /**
     * @param ready  the daemon's detail (e.g. its address) once it serves
     * @param marker the file the daemon publishes (coordinator.addr, agent.sock); a dead daemon's is removed first
     */
    StartOutcome ensureUp(Daemon d, Supplier<Optional<String>> ready, Path marker) {
        Optional<String> now = ready.get();
        if (now.isPresent()) return new AlreadyUp(d, now.get());
        Optional<Supervisor> existing = Supervisor.fromPidFile(d.pidFile(home));
        if (existing.isPresent()) {
            Supervisor s = existing.get();
            // it lives on without a serving daemon: SIGHUP starts the daemon again if it is not running
            if (!s.signal(PosixSignals.SIGHUP)) return launch(d, ready, marker);
            return await(d, s, ready, true);
        }
        return launch(d, ready, marker);
    }

    private StartOutcome launch(Daemon d, Supplier<Optional<String>> ready, Path marker) {
        try {
            Files.deleteIfExists(marker); // nobody supervises it: left behind by a daemon that died
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the stale " + marker, e);
        }
        return switch (launcher.launch(d)) {
            case Launched(Supervisor s) -> await(d, s, ready, false);
            case LaunchFailed(String reason) -> new StartFailed(d, "cannot start " + d.label() + ": " + reason, d.logFile(home));
        };
    }

    private StartOutcome await(Daemon d, Supervisor s, Supplier<Optional<String>> ready, boolean restart) {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        Optional<Long> seen = Optional.empty();
        while (true) {
            Optional<String> detail = ready.get();
            if (detail.isPresent()) return restart ? new Restarted(d, s, detail.get()) : new Started(d, s, detail.get());
            Optional<Long> daemon = s.daemon(d);
            // A daemon seen before may be between two execs (launcher script → wrapper → JVM): its argv reads as
            // something else, or as nothing, for a moment. It exited only when that very process is gone.
            if (daemon.isEmpty() && seen.isPresent() && ProcFs.alive(seen.get())) daemon = seen;
            if (!s.alive() || (daemon.isEmpty() && seen.isPresent())) {
                return new StartFailed(d, d.label() + " exited while starting" + exitStatus(d, seen), d.logFile(home));
            }
            if (daemon.isPresent()) seen = daemon;
            if (System.nanoTime() > deadline) {
                // do not leave a half-started daemon behind: the next `roam up` starts from a clean slate
                daemon.ifPresent(pid -> PosixSignals.send(pid, PosixSignals.SIGTERM));
                return new StartFailed(d, d.label() + " did not become ready within " + readyTimeout.toSeconds() + " s",
                        d.logFile(home));
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new StartFailed(d, "interrupted while waiting for " + d.label(), d.logFile(home));
            }
        }
    }

    /** " (status S)" from the supervisor's exits file, when it recorded the daemon's exit. */
    private String exitStatus(Daemon d, Optional<Long> daemonPid) {
        if (daemonPid.isEmpty()) return "";
        try {
            String prefix = daemonPid.get() + " ";
            return Files.readAllLines(d.exitsFile(home)).stream().filter(l -> l.startsWith(prefix)).reduce((a, b) -> b)
                    .map(l -> " (status " + l.substring(prefix.length()).strip() + ")").orElse("");
        } catch (IOException e) {
            return "";
        }
    }
}
