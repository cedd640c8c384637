package io.roam.core;

/** What happened to a job. Events are facts in the past tense; the state machine decides what they mean. */
public sealed interface JobEvent {
    record Started(NodeId node, long hostPid, long hostPidStart) implements JobEvent {}
    record StartFailed(String reason) implements JobEvent {}
    record CheckpointStarted(CheckpointId checkpoint, boolean leaveRunning) implements JobEvent {}
    record CheckpointCompleted(CheckpointId checkpoint, boolean leaveRunning, boolean sleep) implements JobEvent {}
    record CheckpointFailed(String reason, boolean processAlive) implements JobEvent {}
    record RestoreStarted(CheckpointId checkpoint, NodeId node) implements JobEvent {}
    record Restored(NodeId node, long hostPid, long hostPidStart) implements JobEvent {}
    record RestoreFailed(String reason) implements JobEvent {}
    record Exited(int exitCode) implements JobEvent {}
    record Lost(String reason) implements JobEvent {}
    record Removed() implements JobEvent {}
    /** A cold migration to {@code to} began; {@code image} is the checkpoint id of the image that carries it. */
    record MigrationStarted(NodeId to, CheckpointId image) implements JobEvent {}
    /** The target restored the job: it now runs there. */
    record MigrationCommitted(NodeId node, long hostPid, long hostPidStart) implements JobEvent {}
    /** The migration was given up before its commit and the job runs on {@code node} (the source) again. */
    record MigrationAborted(String reason, NodeId node, long hostPid, long hostPidStart) implements JobEvent {}
    /** The migration was given up and the job could not be resumed anywhere. */
    record MigrationFailed(String reason) implements JobEvent {}

    /** The job's node died; it is held by its kept image {@code restartFrom} until it is restored from it. */
    record NodeDied(NodeId node, CheckpointId restartFrom, String reason) implements JobEvent {}
}
