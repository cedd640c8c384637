package io.roam.core.policy;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Exec-time placement on the least loaded node the deciding node knows of (MOSIX-style: its gossip window and
 * itself), among those with room for the process. Stays local on a tie; ties among remote nodes go at random. With
 * fresh probes instead of gossip it probes {@code probes} random nodes.
 */
public final class LeastLoaded implements Policy {
    private final PolicySettings settings;
    private final RandomGenerator random;

    public LeastLoaded(PolicySettings settings, RandomGenerator random) {
        this.settings = settings;
        this.random = random;
    }

    @Override public String name() { return "least-loaded"; }

    @Override public boolean prefersGossip() { return true; }

    @Override public Decision.Place place(Birth birth, LoadView view) {
        NodeLoad local = view.local();
        NodeLoad[] others = view.canProbe() ? Candidates.sample(view, settings.probes(), random, settings.maxReportAge())
                : known(view);
        NodeLoad best = local.fits(birth.memoryBytes()) ? local : null;
        int ties = 0;
        for (NodeLoad c : others) {
            if (!c.fits(birth.memoryBytes())) continue;
            if (best == null || c.perCore() < best.perCore()) { best = c; ties = 1; }
            else if (c.perCore() == best.perCore() && best != local && random.nextInt(++ties) == 0) best = c;
        }
        if (best == null) return new Decision.Place(view.self(), Reason.of("least-loaded: no known node has room; stays"));
        if (best == local) return new Decision.Place(view.self(), Reason.of("least-loaded: local is lightest of {0} known ({1} per core)", others.length + 1, local.perCore()));
        return new Decision.Place(best.node(), Reason.of("least-loaded: n{0} at {1} per core < local {2}", best.node(), best.perCore(), local.perCore()));
    }

    @Override public List<Decision.Periodic> tick(Residents residents, LoadView view) { return List.of(); }

    private NodeLoad[] known(LoadView view) {
        int n = 0;
        NodeLoad[] all = new NodeLoad[view.knownCount()];
        for (int i = 0; i < all.length; i++) {
            NodeLoad r = view.known(i);
            if (r.ageSeconds() <= settings.maxReportAge()) all[n++] = r;
        }
        return n == all.length ? all : java.util.Arrays.copyOf(all, n);
    }
}
