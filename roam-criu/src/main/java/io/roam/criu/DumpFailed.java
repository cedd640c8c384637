package io.roam.criu;

/**
 * The dump failed and the job runs on. {@code reason} is one line (see {@link io.roam.criu.inspect.FailureClassifier});
 * {@code logTail} holds the last lines of CRIU's log, to keep with the failure report.
 */
public record DumpFailed(FailureKind kind, String reason, String logTail) implements DumpOutcome {}
