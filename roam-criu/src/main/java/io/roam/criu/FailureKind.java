package io.roam.criu;

/** Why a dump or restore failed. */
public enum FailureKind {
    /** The job (or this machine) is not fit: a device, a terminal, a socket to the outside, a missing file… */
    REFUSED,
    /** CRIU itself failed; its log tail says more. */
    CRIU_FAILED,
    /** CRIU did not finish in time and was killed; the job was resumed (dump) or the partial restore removed. */
    TIMEOUT,
    /** The image directory could not be created, read or written, or criu could not be started. */
    IO
}
