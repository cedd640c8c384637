package io.roam.core.policy;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Join-idle-queue (Lu et al., Performance 2011), with every node a dispatcher for the processes born on it: a node with
 * an idle core advertises itself once a second to one random node, whose window is its I-queue. A new process runs
 * locally if a core is idle here, else on the freshest advertised node that is still idle and has room (the window
 * counts what this node sent there since), else on a uniformly random node, as in JIQ.
 */
public final class JoinIdleQueue implements Policy {
    private static final Reason LOCAL = Reason.of("jiq: a local core is idle");
    private final PolicySettings settings;
    private final RandomGenerator random;

    public JoinIdleQueue(PolicySettings settings, RandomGenerator random) {
        this.settings = settings;
        this.random = random;
    }

    @Override public String name() { return "jiq"; }

    @Override public Decision.Place place(Birth birth, LoadView view) {
        NodeLoad local = view.local();
        if (local.hasIdleCore() && local.fits(birth.memoryBytes())) return new Decision.Place(view.self(), LOCAL);
        NodeLoad best = null;
        for (int i = 0; i < view.knownCount(); i++) {
            NodeLoad r = view.known(i);
            if (r.hasIdleCore() && r.fits(birth.memoryBytes()) && r.ageSeconds() <= settings.maxReportAge()
                    && (best == null || r.ageSeconds() < best.ageSeconds())) best = r;
        }
        if (best != null) return new Decision.Place(best.node(), Reason.of("jiq: n{0} advertised idle {1} s ago", best.node(), best.ageSeconds()));
        int node = random.nextInt(view.nodeCount());
        return new Decision.Place(node, Reason.of("jiq: I-queue empty, random node n{0}", node));
    }

    @Override public List<Decision.Periodic> tick(Residents residents, LoadView view) {
        NodeLoad local = view.local();
        if (!local.hasIdleCore() || view.nodeCount() < 2) return List.of();
        int to = Candidates.otherThan(view.self(), view.nodeCount(), random);
        return List.of(new Decision.Advertise(to, Reason.of("jiq: {0} idle cores, joins the I-queue of n{1}", local.cores() - local.runnable(), to)));
    }
}
