package io.roam.core.policy;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Exec-time power-of-d choices (Mitzenmacher; Vvedenskaya et al.): sample d distinct nodes uniformly (the deciding
 * node may be one of them), put the process on the one with the fewest runnable processes per core among those with
 * room for it. With fresh probes each sample is a probe; with gossip, a random report from the window.
 */
public final class PowerOfD implements Policy {
    private final int d;
    private final RandomGenerator random;
    private final double maxAge;

    public PowerOfD(int d, PolicySettings settings, RandomGenerator random) {
        if (d < 1) throw new IllegalArgumentException("power-of-d needs d ≥ 1, got " + d);
        this.d = d;
        this.random = random;
        this.maxAge = settings.maxReportAge();
    }

    @Override public String name() { return "power-of-" + d; }

    @Override public Decision.Place place(Birth birth, LoadView view) {
        NodeLoad best = null;
        int seen = 0;
        if (view.canProbe()) {
            int count = Math.min(d, view.nodeCount());
            int[] picked = new int[count];
            for (int i = 0; i < count; i++) {
                int node;
                do node = random.nextInt(view.nodeCount()); while (seenBefore(picked, i, node));
                picked[i] = node;
                NodeLoad load = node == view.self() ? view.local() : view.probe(node);
                if (load.fits(birth.memoryBytes()) && (best == null || load.perCore() < best.perCore())) best = load;
            }
            seen = count;
        } else {
            for (NodeLoad load : Candidates.sample(view, d, random, maxAge)) {
                seen++;
                if (load.fits(birth.memoryBytes()) && (best == null || load.perCore() < best.perCore())) best = load;
            }
        }
        if (best == null) return new Decision.Place(view.self(), Reason.of("power-of-{0}: none of {1} sampled nodes has room; stays", d, seen));
        return new Decision.Place(best.node(), Reason.of("power-of-{0}: least loaded of {1} sampled ({2} per core)", d, seen, best.perCore()));
    }

    @Override public List<Decision.Periodic> tick(Residents residents, LoadView view) { return List.of(); }

    private static boolean seenBefore(int[] a, int n, int v) {
        for (int i = 0; i < n; i++) if (a[i] == v) return true;
        return false;
    }
}
