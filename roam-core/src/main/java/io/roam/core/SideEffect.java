package io.roam.core;

/** What the caller must do after it has committed a transition to the store (never before: see Aurora's lesson). */
public sealed interface SideEffect {
    /** Tell waiters (roam wait, roam logs -f) that the job's record changed. */
    record NotifyWaiters(JobId job) implements SideEffect {}
    /** Delete the job's spool and images. */
    record DeleteJobData(JobId job) implements SideEffect {}
}
