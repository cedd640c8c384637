package io.roam.criu;

/**
 * Checkpoints and restores process trees. The only way roam runs CRIU. Expected failures (the job cannot be
 * checkpointed, CRIU failed, it took too long) come back as results that explain themselves; only bugs and
 * infrastructure faults throw.
 */
public interface CheckpointEngine {
    /** CRIU's version, the kernel, the architecture and the optional features this machine supports (cached). */
    CriuInfo info();

    /** Dumps the tree rooted at {@code spec.rootPid()} into {@code spec.imageDir()}. */
    DumpOutcome dump(DumpSpec spec);

    /** Restores the image in {@code spec.imageDir()}; the restored root is not the caller's child. */
    RestoreOutcome restore(RestoreSpec spec);
}
