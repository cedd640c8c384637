package io.roam.core.policy;

/**
 * What one node knows about the cluster when it decides: its own load (always exact), the reports it already holds
 * (its gossip window, free to read, possibly stale), and, where the information mode allows, fresh probes of any node
 * (each costs a request and a reply). Nodes are numbered {@code 0 … nodeCount()-1}; the coordinator maps them to
 * {@link io.roam.core.NodeId}s. A view is only valid during the call it is passed to.
 */
public interface LoadView {
    /** The time of the decision, in seconds (simulated time in roam-sim, wall time in the coordinator). */
    double now();

    /** The deciding node. */
    int self();

    int nodeCount();

    /** The deciding node's own load, exact. */
    NodeLoad local();

    /** How many reports the node holds without asking (its gossip window; 0 when there is no gossip). */
    int knownCount();

    /** The {@code i}-th report held, {@code 0 ≤ i < knownCount()}; never the deciding node itself. */
    NodeLoad known(int i);

    /** True if fresh probes are available. */
    boolean canProbe();

    /** The true current load of {@code node}; one request and one reply. Only when {@link #canProbe()}. */
    NodeLoad probe(int node);
}
