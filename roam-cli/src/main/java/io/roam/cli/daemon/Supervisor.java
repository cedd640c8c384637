package io.roam.cli.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** A running roam-supervise process, found through its pid file; the pid must still be a roam-supervise. */
record Supervisor(long pid) {
    static final String BINARY = "roam-supervise";

    static Optional<Supervisor> fromPidFile(Path pidFile) {
        String text;
        try {
            text = Files.readString(pidFile).strip();
        } catch (IOException e) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(text);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        var s = new Supervisor(pid);
        return s.alive() ? Optional.of(s) : Optional.empty();
    }

    /** Alive, and still a roam-supervise (not a new process that reused the pid). */
    boolean alive() {
        return ProcFs.alive(pid) && ProcFs.cmdline(pid).stream().anyMatch(a -> a.endsWith(BINARY));
    }

    /** The daemon among this supervisor's children; jobs it kept alive are children too, and do not match. */
    Optional<Long> daemon(Daemon d) {
        return ProcFs.children(pid).stream().filter(c -> ProcFs.alive(c) && d.matches(ProcFs.cmdline(c))).findFirst();
    }

    boolean signal(int signal) { return PosixSignals.send(pid, signal); }
}
