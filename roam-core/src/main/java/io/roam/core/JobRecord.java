package io.roam.core;

import java.util.Objects;
import java.util.Optional;

/**
 * The coordinator's record of one job. Immutable: the state machine returns a new record for every transition.
 * {@code node} is where the process is (live states) or was last (CHECKPOINTED, terminal states).
 */
public record JobRecord(
        JobId id,
        int uid,
        JobState state,
        Optional<NodeId> node,
        long hostPid,
        long hostPidStart,
        Optional<CheckpointId> checkpoint,
        Optional<Integer> exitCode,
        String reason,
        boolean asleep,
        long createdMs,
        long stateSinceMs) {

    public JobRecord {
        Objects.requireNonNull(id);
        Objects.requireNonNull(state);
        Objects.requireNonNull(node);
        Objects.requireNonNull(checkpoint);
        Objects.requireNonNull(exitCode);
        reason = reason == null ? "" : reason;
    }

    public static JobRecord pending(JobId id, int uid, Optional<NodeId> node, long nowMs) {
        return new JobRecord(id, uid, JobState.PENDING, node, 0, 0, Optional.empty(), Optional.empty(), "", false, nowMs, nowMs);
    }

    JobRecord withState(JobState s, long nowMs) {
        return new JobRecord(id, uid, s, node, hostPid, hostPidStart, checkpoint, exitCode, reason, asleep, createdMs, nowMs);
    }

    JobRecord withProcess(NodeId n, long pid, long pidStart) {
        return new JobRecord(id, uid, state, Optional.of(n), pid, pidStart, checkpoint, exitCode, reason, asleep, createdMs, stateSinceMs);
    }

    JobRecord withoutProcess() {
        return new JobRecord(id, uid, state, node, 0, 0, checkpoint, exitCode, reason, asleep, createdMs, stateSinceMs);
    }

    JobRecord withCheckpoint(CheckpointId c) {
        return new JobRecord(id, uid, state, node, hostPid, hostPidStart, Optional.of(c), exitCode, reason, asleep, createdMs, stateSinceMs);
    }

    JobRecord withExit(int code) {
        return new JobRecord(id, uid, state, node, hostPid, hostPidStart, checkpoint, Optional.of(code), reason, asleep, createdMs, stateSinceMs);
    }

    JobRecord withReason(String r) {
        return new JobRecord(id, uid, state, node, hostPid, hostPidStart, checkpoint, exitCode, r, asleep, createdMs, stateSinceMs);
    }

    JobRecord withExitCleared() {
        return new JobRecord(id, uid, state, node, hostPid, hostPidStart, checkpoint, Optional.empty(), reason, asleep, createdMs, stateSinceMs);
    }

    JobRecord withAsleep(boolean a) {
        return new JobRecord(id, uid, state, node, hostPid, hostPidStart, checkpoint, exitCode, reason, a, createdMs, stateSinceMs);
    }
}
