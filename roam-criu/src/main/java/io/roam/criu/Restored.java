package io.roam.criu;

import java.time.Duration;

/**
 * The job runs again. {@code hostPid} is the host pid of its namespace init, {@code hostPidStart} that process's start
 * time (clock ticks after boot, /proc/PID/stat field 22): together they name the process without PID-reuse races.
 * It was orphaned to the caller's nearest subreaper (or init), so the caller cannot wait for it as for a child.
 */
public record Restored(long hostPid, long hostPidStart, Duration took) implements RestoreOutcome {}
