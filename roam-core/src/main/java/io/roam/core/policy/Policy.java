package io.roam.core.policy;

import java.util.List;

/**
 * A balancing policy: pure (no clock, no I/O; time comes in the view, randomness is injected at construction), so the
 * coordinator and roam-sim run the very same code. One instance serves every node: all per-node facts arrive as inputs.
 */
public interface Policy {
    /** The name it is selected by (see {@link Policies}). */
    String name();

    /** Exec time: where the new process should run. */
    Decision.Place place(Birth birth, LoadView view);

    /** Once a second per node: what to move, steal or tell, if anything (usually nothing: an empty list). */
    List<Decision.Periodic> tick(Residents residents, LoadView view);

    /**
     * Another node asked this node for work ({@link Decision.Steal}): which of its processes to hand over, if any.
     * Policies that never steal refuse.
     */
    default List<Decision.Migrate> surrender(NodeLoad thief, Residents residents, LoadView view) { return List.of(); }

    /** True if the policy was designed for gossip windows rather than fresh probes. */
    default boolean prefersGossip() { return false; }
}
