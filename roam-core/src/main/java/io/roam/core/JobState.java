package io.roam.core;

/** Where a job is in its life. The names match roam.v1.JobState. */
public enum JobState {
    PENDING, RUNNING, CHECKPOINTING, CHECKPOINTED, RESTORING, EXITED, FAILED, LOST,
    /** Moving to another node: the process runs on the source, is frozen in an image, or runs on the target. */
    MIGRATING;

    public boolean terminal() {
        return switch (this) {
            case EXITED, FAILED, LOST -> true;
            case PENDING, RUNNING, CHECKPOINTING, CHECKPOINTED, RESTORING, MIGRATING -> false;
        };
    }

    /** A process exists for the job on some node. */
    public boolean live() {
        return switch (this) {
            case RUNNING, CHECKPOINTING, MIGRATING -> true;
            case PENDING, CHECKPOINTED, RESTORING, EXITED, FAILED, LOST -> false;
        };
    }
}
