package io.roam.coordinator.store;

import io.roam.core.CheckpointId;
import io.roam.core.JobId;
import io.roam.proto.CheckpointInfo;

/**
 * A write that commits in the same ZooKeeper transaction as a job record's compare-and-set
 * ({@link ZkJobStore#replace(io.roam.proto.JobInfo, int, java.util.List)}): one fsync instead of two, and never one
 * without the other.
 */
public sealed interface Also {
    /** Hands out checkpoint sequence {@code next} of {@code job}, if the counter is still at {@code expectedVersion} (-1: absent). */
    record ClaimSequence(JobId job, int next, int expectedVersion) implements Also {
        public CheckpointId checkpoint() { return CheckpointId.of(job, next); }
    }

    /** Creates the record of a new checkpoint. */
    record CreateCheckpoint(CheckpointInfo checkpoint) implements Also {}

    /** Thrown when an {@link Also} write lost a race (the sequence moved on, the checkpoint exists): nothing was written. */
    final class Conflict extends RuntimeException {
        public Conflict(String message) { super(message); }
    }
}
