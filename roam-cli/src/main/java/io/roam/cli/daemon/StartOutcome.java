package io.roam.cli.daemon;

import java.nio.file.Path;

/** How {@code roam up} left one daemon. */
sealed interface StartOutcome {
    /** It was already serving; detail is, for the coordinator, its address. */
    record AlreadyUp(Daemon daemon, String detail) implements StartOutcome {}

    /** A new supervisor was started and the daemon serves. */
    record Started(Daemon daemon, Supervisor supervisor, String detail) implements StartOutcome {}

    /** The daemon had died but its supervisor lived on (it kept jobs alive): SIGHUP made it start the daemon again. */
    record Restarted(Daemon daemon, Supervisor supervisor, String detail) implements StartOutcome {}

    /** It did not come up; reason is one line, log is where to look. */
    record StartFailed(Daemon daemon, String reason, Path log) implements StartOutcome {}
}
