package io.roam.criu;

/** The result of a restore: {@link Restored} or {@link RestoreFailed}. */
public sealed interface RestoreOutcome permits Restored, RestoreFailed {}
