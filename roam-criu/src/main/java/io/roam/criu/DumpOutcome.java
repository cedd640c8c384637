package io.roam.criu;

/** The result of a dump: {@link Dumped} or {@link DumpFailed}. */
public sealed interface DumpOutcome permits Dumped, DumpFailed {}
