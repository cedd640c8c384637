package io.roam.criu;

/** The restore failed and nothing of the job runs. {@code logTail} holds the last lines of CRIU's log. */
public record RestoreFailed(FailureKind kind, String reason, String logTail) implements RestoreOutcome {}
