package io.roam.criu.inspect;

/**
 * Why CRIU failed, in one line. {@code refused} means the job (or this machine) is not fit for the operation, as
 * opposed to CRIU itself failing: a device, a terminal, a socket to the outside, a missing file.
 */
public record Diagnosis(boolean refused, String reason) {}
