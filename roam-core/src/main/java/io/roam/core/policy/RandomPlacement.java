package io.roam.core.policy;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Exec-time placement on a uniformly random node (the deciding one included), knowing nothing. With exponential
 * service on FIFO nodes each node is an M/M/1 queue: the textbook check of the simulator.
 */
public final class RandomPlacement implements Policy {
    private static final Reason WHY = Reason.of("random: uniformly chosen node n{0}");
    private final RandomGenerator random;

    public RandomPlacement(RandomGenerator random) { this.random = random; }

    @Override public String name() { return "random"; }

    @Override public Decision.Place place(Birth birth, LoadView view) {
        int node = random.nextInt(view.nodeCount());
        return new Decision.Place(node, new Reason(WHY.template(), node, 0, 0));
    }

    @Override public List<Decision.Periodic> tick(Residents residents, LoadView view) { return List.of(); }
}
