package io.roam.cli.daemon;

/** How starting roam-supervise went. */
sealed interface LaunchOutcome {
    record Launched(Supervisor supervisor) implements LaunchOutcome {}

    record LaunchFailed(String reason) implements LaunchOutcome {}
}
