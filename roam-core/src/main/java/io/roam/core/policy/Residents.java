package io.roam.core.policy;

/**
 * The processes on the deciding node, by index {@code 0 … count()-1} (no particular order). Primitive accessors so
 * that a node with many processes costs no allocation per decision.
 */
public interface Residents {
    int count();

    /** The process's id (what a {@link Decision.Migrate} names). */
    long id(int i);

    /** CPU time the process has used so far, in seconds (its age in Harchol-Balter and Downey's sense). */
    double cpuSeconds(int i);

    /** Wall time since the process was born, in seconds. */
    double ageSeconds(int i);

    long memoryBytes(int i);

    /** How many times the process has been migrated (exec-time placement does not count). */
    int migrations(int i);

    /** False while the process waits for memory on this node. */
    boolean running(int i);
}
