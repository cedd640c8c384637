package io.roam.core.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * roam's own policy: the right place the first time (McVoy), then move only the old (Harchol-Balter and Downey).
 * <ul>
 *   <li>Exec time: a free local core with room wins outright (no message, no remote cost). Otherwise the node reads its
 *       gossip window (free) and, with fresh probes, probes one random node at a time, at most d + 1, stopping at the
 *       first with an idle core and room: on average no more messages than power-of-2's two, but an idle core is
 *       found far more often. The process starts where it gets the largest share of a core, the local node unless a
 *       remote one is strictly better; ties go to fewer long-running processes (they will still be there), then to
 *       more free memory.</li>
 *   <li>Every second: a process moves only if it has used at least {@link #MIN_AGE_SECONDS} of CPU (with heavy-tailed
 *       lifetimes its expected remaining life grows with its age; with exponential ones so few get that old that the
 *       policy degrades to its exec-time placement), and only if the move pays: {@code age × (slowdown here −
 *       slowdown there) > cost}, slowdowns from processor sharing ({@code max(1, n/k)}), the cost fixed plus memory
 *       over bandwidth. Targets come from the window and 2d probes, sent only when a process qualifies.</li>
 *   <li>Memory: candidates are ranked first by room: those keeping {@code headroomBytes} free after taking the
 *       process, then those that merely fit, never those that do not. A process only moves to a node that keeps the
 *       headroom. Processes waiting for memory are not moved: in simulation, moving them (big ones, mostly) only
 *       filled other nodes and made more processes wait.</li>
 *   <li>No ping-pong: at most {@code maxMigrations} moves per process, a minimum gap of runnable processes between
 *       source and target, at most {@code maxPerTick} moves per node per tick.</li>
 * </ul>
 */
public final class RoamPolicy implements Policy {
    /** A process younger than this (CPU seconds) never moves: most processes die young, and moving them is waste. */
    public static final double MIN_AGE_SECONDS = 2.0;
    private static final Reason IDLE_HERE = Reason.of("roam: a local core is idle");
    private final PolicySettings settings;
    private final RandomGenerator random;

    public RoamPolicy(PolicySettings settings, RandomGenerator random) {
        this.settings = settings;
        this.random = random;
    }

    @Override public String name() { return "roam"; }

    @Override public Decision.Place place(Birth birth, LoadView view) {
        NodeLoad local = view.local();
        long mem = birth.memoryBytes();
        if (local.hasIdleCore() && room(local, mem) == 2) return new Decision.Place(view.self(), IDLE_HERE);
        NodeLoad best = local;
        for (int i = 0; i < view.knownCount(); i++) {
            NodeLoad r = view.known(i);
            if (r.ageSeconds() <= settings.maxReportAge() && better(r, best, mem)) best = r;
        }
        if (view.canProbe() && view.nodeCount() > 1) {
            int budget = Math.min(settings.probes() + 1, view.nodeCount() - 1);
            int[] asked = new int[budget];
            for (int i = 0; i < budget && !(best.hasIdleCore() && room(best, mem) == 2); i++) {
                int node;
                do node = Candidates.otherThan(view.self(), view.nodeCount(), random); while (contains(asked, i, node));
                asked[i] = node;
                NodeLoad r = view.probe(node);
                if (better(r, best, mem)) best = r;
            }
        }
        if (best == local || room(best, mem) == 0) {
            if (room(local, mem) == 0) return new Decision.Place(view.self(), Reason.of("roam: no node seen has {0} MB free; waits here", mem / (double) PolicySettings.MB));
            return new Decision.Place(view.self(), Reason.of("roam: local is best seen ({0} runnable on {1} cores)", local.runnable(), local.cores()));
        }
        return new Decision.Place(best.node(), Reason.of("roam: n{0} gives a {1} core share (local {2})", best.node(), best.rateWith(1), local.rateWith(1)));
    }

    /** 2: keeps the headroom after taking {@code mem}; 1: merely fits; 0: does not fit. */
    private int room(NodeLoad c, long mem) {
        return c.fits(mem + settings.headroomBytes()) ? 2 : c.fits(mem) ? 1 : 0;
    }

    /** True if a process of {@code mem} bytes would do strictly better on {@code c} than on {@code best}. */
    private boolean better(NodeLoad c, NodeLoad best, long mem) {
        int rc = room(c, mem), rb = room(best, mem);
        if (rc != rb) return rc > rb;
        double sc = slowdownWith(c, 1), sb = slowdownWith(best, 1);
        if (sc != sb) return sc < sb;
        if (c.longRunning() != best.longRunning()) return c.longRunning() < best.longRunning();
        return c.freeMemoryBytes() > best.freeMemoryBytes();
    }

    /** Slowdown of each process on {@code c} under processor sharing once {@code extra} more join. */
    static double slowdownWith(NodeLoad c, int extra) { return Math.max(1.0, (double) (c.runnable() + extra) / c.cores()); }

    @Override public List<Decision.Periodic> tick(Residents residents, LoadView view) {
        NodeLoad local = view.local();
        double here = slowdownWith(local, 0);
        if (here <= 1.0 || !anyWorthMoving(residents, here)) return List.of();
        NodeLoad[] seen = candidates(view);
        List<Decision.Periodic> out = new ArrayList<>(2);
        boolean[] taken = new boolean[residents.count()];
        int n = local.runnable();
        while (out.size() < settings.maxPerTick()) {
            int p = oldestMovable(residents, taken);
            if (p < 0) break;
            taken[p] = true;
            double age = residents.cpuSeconds(p);
            if (age < MIN_AGE_SECONDS) break; // the oldest is too young, so are the rest
            long mem = residents.memoryBytes(p);
            int t = bestTarget(seen, mem, n);
            if (t < 0) continue;
            NodeLoad target = seen[t];
            double cost = settings.cost().seconds(mem);
            double gain = age * (Math.max(1.0, (double) n / local.cores()) - slowdownWith(target, 1)) - cost;
            if (gain <= 0) continue;
            out.add(new Decision.Migrate(residents.id(p), target.node(),
                    Reason.of("roam: age {0} s, expected gain {1} s > 0 after cost {2} s", age, gain, cost)));
            n--;
            seen[t] = target.plusOne(mem);
        }
        return out;
    }

    /** The window's fresh reports and, with probes, 2d probed nodes. */
    private NodeLoad[] candidates(LoadView view) {
        NodeLoad[] probed = view.canProbe() ? Candidates.sample(view, 2 * settings.probes(), random, settings.maxReportAge()) : new NodeLoad[0];
        NodeLoad[] all = new NodeLoad[view.knownCount() + probed.length];
        int n = 0;
        for (int i = 0; i < view.knownCount(); i++) {
            NodeLoad r = view.known(i);
            if (r.ageSeconds() <= settings.maxReportAge()) all[n++] = r;
        }
        for (NodeLoad r : probed) all[n++] = r;
        return n == all.length ? all : java.util.Arrays.copyOf(all, n);
    }

    /** The index in {@code seen} of the best target keeping the headroom after taking {@code mem}, with a big enough gap, or -1. */
    private int bestTarget(NodeLoad[] seen, long mem, int runnableHere) {
        int best = -1;
        for (int i = 0; i < seen.length; i++) {
            NodeLoad c = seen[i];
            if (room(c, mem) < 2 || runnableHere - c.runnable() < settings.minGap()) continue;
            if (best < 0 || better(c, seen[best], mem)) best = i;
        }
        return best;
    }

    private boolean anyWorthMoving(Residents residents, double here) {
        for (int i = 0; i < residents.count(); i++) {
            double age = residents.cpuSeconds(i);
            if (residents.running(i) && residents.migrations(i) < settings.maxMigrations() && age >= MIN_AGE_SECONDS
                    && age * (here - 1.0) > settings.cost().seconds(residents.memoryBytes(i))) return true;
        }
        return false;
    }

    /** The running process with the most CPU used that may still move, or -1. */
    private int oldestMovable(Residents residents, boolean[] taken) {
        int best = -1;
        for (int i = 0; i < residents.count(); i++) {
            if (taken[i] || !residents.running(i) || residents.migrations(i) >= settings.maxMigrations()) continue;
            if (best < 0 || residents.cpuSeconds(i) > residents.cpuSeconds(best)) best = i;
        }
        return best;
    }

    private static boolean contains(int[] a, int n, int v) {
        for (int i = 0; i < n; i++) if (a[i] == v) return true;
        return false;
    }
}
