package io.roam.coordinator.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Puts a job on the least loaded node: among nodes that are up and not draining, the lowest runnable threads per core,
 * then the fewest jobs; ties are broken at random. Pure: the random source is injected.
 */
public final class LeastLoadedPlacement {
    private static final Comparator<Candidate> LOAD =
            Comparator.comparingDouble(LeastLoadedPlacement::perCore).thenComparingInt(Candidate::jobs);
    private final RandomGenerator random;

    public LeastLoadedPlacement(RandomGenerator random) { this.random = random; }

    public Placement place(List<Candidate> nodes) {
        List<Candidate> eligible = nodes.stream().filter(c -> c.up() && !c.draining()).toList();
        if (eligible.isEmpty()) return new Placement.Unplaced(whyNone(nodes));
        Candidate best = eligible.stream().min(LOAD).orElseThrow();
        List<Candidate> tied = new ArrayList<>(eligible.stream().filter(c -> LOAD.compare(c, best) == 0).toList());
        tied.sort(Comparator.comparing(c -> c.node().value()));
        return new Placement.Placed(tied.get(random.nextInt(tied.size())).node());
    }

    private static double perCore(Candidate c) { return (double) c.runnable() / Math.max(1, c.cores()); }

    private static String whyNone(List<Candidate> nodes) {
        if (nodes.isEmpty()) return "no node has joined the cluster: start an agent (roam up starts them)";
        long down = nodes.stream().filter(c -> !c.up()).count();
        long draining = nodes.stream().filter(c -> c.up() && c.draining()).count();
        return "no node can take the job: " + nodes.size() + " known, " + down + " down, " + draining
                + " draining; start or wake an agent";
    }
}
