package io.roam.coordinator.jobs;

import io.roam.core.JobId;
import io.roam.proto.JobInfo;

/** The result of applying one event to a stored job record. */
public sealed interface TransitionOutcome {
    /** Committed to the store; {@code job} is the new record (for a removal: the record as it was deleted). */
    record Applied(JobInfo job) implements TransitionOutcome {}

    /** The state machine refused the event; {@code current} is the record it saw. */
    record Rejected(String reason, JobInfo current) implements TransitionOutcome {}

    /** There is no record of that job. */
    record Missing(JobId job) implements TransitionOutcome {}
}
