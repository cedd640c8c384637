package io.roam.sim.workload;

/**
 * A stream of arrivals in time order. Generated from its own seed, so it is the same whatever the policy decides.
 * Not thread-safe: one simulation reads one workload.
 */
public interface Workload {
    /** The next arrival, or null when the workload is exhausted (synthetic workloads never are). */
    Arrival next();

    /** One line saying what this workload is. */
    String describe();
}
