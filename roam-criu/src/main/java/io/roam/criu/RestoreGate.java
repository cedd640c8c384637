package io.roam.criu;

import java.util.Optional;

/**
 * A check that runs while CRIU restores: the tree is restored stopped ({@code --leave-stopped}) and continued only
 * when the gate lets it through; otherwise it is killed before it ran a single instruction. roam uses it to checksum
 * the page data of a big image while CRIU reads it, instead of before.
 */
@FunctionalInterface
public interface RestoreGate {
    /** Blocks until the check is done: empty to continue the restored tree, or the one-line reason to kill it. */
    Optional<String> verdict();
}
