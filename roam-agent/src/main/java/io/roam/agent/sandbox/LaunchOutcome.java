package io.roam.agent.sandbox;

/** What {@link SandboxLauncher#launch} did: the job runs, or it was refused with a reason a user can act on. */
public sealed interface LaunchOutcome permits LaunchOutcome.Launched, LaunchOutcome.LaunchFailed {

    /**
     * The job runs. {@code hostPid} is its namespace init (roam-init) as seen from the host; {@code hostPidStart} is
     * that process's start time (/proc/PID/stat field 22, clock ticks), which guards against pid reuse.
     */
    record Launched(long hostPid, long hostPidStart) implements LaunchOutcome {}

    /** Nothing was started (nothing is left running); {@code reason} is one line, e.g. "no such command: foo (…)". */
    record LaunchFailed(String reason) implements LaunchOutcome {}
}
