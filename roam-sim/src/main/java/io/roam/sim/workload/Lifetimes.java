package io.roam.sim.workload;

import java.util.random.RandomGenerator;

/** A distribution of CPU demand (process lifetime when running alone), in seconds. */
public interface Lifetimes {
    double sample(RandomGenerator random);

    /** The exact mean of the distribution (not a sample mean). */
    double mean();

    String describe();
}
