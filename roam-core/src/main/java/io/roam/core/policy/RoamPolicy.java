package io.roam.core.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * roam's own policy: the right place the first time (McVoy), then move only the old (Harchol-Balter and Downey).
 * <ul>
 *   <li>Exec time: a free local core wins outright (no remote cost, nothing to learn). Otherwise the node looks at
 *       its gossip window (free) and d fresh probes (if available), and starts the process on the node where it would
 *       get the largest share of a core, keeping the local node unless a remote one is strictly better; ties go to
 *       the node with fewer long-running processes (they will still be there), then to more free memory.</li>
 *   <li>Every second: a process moves only if it is old (CPU age a), because with heavy-tailed lifetimes its
 *       expected remaining life grows with a, and only if the move pays: {@code a × (slowdown here − slowdown there)
 *       > cost}, slowdowns from processor sharing ({@code max(1, n/k)}), the cost fixed plus memory over bandwidth.
 *       With exponential lifetimes the old are no better bets than the young, the age floor keeps moves rare, and the
 *       policy degrades to its exec-time placement.</li>
 *   <li>Memory: a target must keep {@code headroomBytes} free beyond the process; processes waiting for memory here
 *       are the first to move.</li>
 *   <li>No ping-pong: at most {@code maxMigrations} moves per process, a minimum gap of runnable processes between
 *       source and target, and at most {@code maxPerTick} moves per node per tick.</li>
 * </ul>
 */
public final class RoamPolicy implements Policy {
    /** A process younger than this (CPU seconds) never moves: most processes die young, and moving them is waste. */
    public static final double MIN_AGE_SECONDS = 1.0;
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
        long need = birth.memoryBytes() + settings.headroomBytes();
        if (local.hasIdleCore() && local.fits(need)) return new Decision.Place(view.self(), IDLE_HERE);
        NodeLoad best = local.fits(need) ? local : null;
        for (int i = 0; i < view.knownCount(); i++) {
            NodeLoad r = view.known(i);
            if (r.ageSeconds() <= settings.maxReportAge() && r.fits(need) && better(r, best)) best = r;
        }
        if (view.canProbe())
            for (NodeLoad r : Candidates.sample(view, settings.probes(), random, settings.maxReportAge()))
                if (r.fits(need) && better(r, best)) best = r;
        if (best == null) return new Decision.Place(view.self(), Reason.of("roam: no node seen has {0} MB free; waits here", need / (double) PolicySettings.MB));
        if (best == local) return new Decision.Place(view.self(), Reason.of("roam: local is best seen ({0} runnable on {1} cores)", local.runnable(), local.cores()));
        return new Decision.Place(best.node(), Reason.of("roam: n{0} gives a {1} core share (local {2})", best.node(), best.rateWith(1), local.rateWith(1)));
    }

    /** True if a new process would do strictly better on {@code c} than on {@code best}. */
    private static boolean better(NodeLoad c, NodeLoad best) {
        if (best == null) return true;
        double sc = slowdownWith(c, 1), sb = slowdownWith(best, 1);
        if (sc != sb) return sc < sb;
        if (c.longRunning() != best.longRunning()) return c.longRunning() < best.longRunning();
        return c.freeMemoryBytes() > best.freeMemoryBytes();
    }

    /** Slowdown of each process on {@code c} under processor sharing once {@code extra} more join. */
    static double slowdownWith(NodeLoad c, int extra) { return Math.max(1.0, (double) (c.runnable() + extra) / c.cores()); }

    @Override public List<Decision.Periodic> tick(Residents residents, LoadView view) {
        NodeLoad local = view.local();
        boolean memoryShort = local.freeMemoryBytes() < 0;
        double here = slowdownWith(local, 0);
        if (!memoryShort && (here <= 1.0 || !anyWorthMoving(residents, here))) return List.of();
        NodeLoad[] seen = candidates(view);
        List<Decision.Periodic> out = new ArrayList<>(2);
        boolean[] taken = new boolean[residents.count()];
        int n = local.runnable();
        while (out.size() < settings.maxPerTick()) {
            int p = next(residents, taken);
            if (p < 0) break;
            taken[p] = true;
            long mem = residents.memoryBytes(p);
            int t = bestTarget(seen, mem + settings.headroomBytes(), n);
            if (t < 0) continue;
            NodeLoad target = seen[t];
            double cost = settings.cost().seconds(mem);
            if (!residents.running(p)) {
                out.add(new Decision.Migrate(residents.id(p), target.node(),
                        Reason.of("roam: waits for {0} MB here; n{1} has room", mem / (double) PolicySettings.MB, target.node())));
            } else {
                double age = residents.cpuSeconds(p);
                double gain = age * (Math.max(1.0, (double) n / local.cores()) - slowdownWith(target, 1)) - cost;
                if (age < MIN_AGE_SECONDS || gain <= 0) continue;
                out.add(new Decision.Migrate(residents.id(p), target.node(),
                        Reason.of("roam: age {0} s, expected gain {1} s > 0 after cost {2} s", age, gain, cost)));
                n--;
            }
            seen[t] = target.plusOne(mem);
        }
        return out;
    }

    private NodeLoad[] candidates(LoadView view) {
        NodeLoad[] probed = view.canProbe() ? Candidates.sample(view, settings.probes(), random, settings.maxReportAge()) : new NodeLoad[0];
        NodeLoad[] all = new NodeLoad[view.knownCount() + probed.length];
        int n = 0;
        for (int i = 0; i < view.knownCount(); i++) {
            NodeLoad r = view.known(i);
            if (r.ageSeconds() <= settings.maxReportAge()) all[n++] = r;
        }
        for (NodeLoad r : probed) all[n++] = r;
        return n == all.length ? all : java.util.Arrays.copyOf(all, n);
    }

    /** The index in {@code seen} of the best target with {@code need} bytes free and a big enough gap, or -1. */
    private int bestTarget(NodeLoad[] seen, long need, int runnableHere) {
        int best = -1;
        for (int i = 0; i < seen.length; i++) {
            NodeLoad c = seen[i];
            if (!c.fits(need) || runnableHere - c.runnable() < settings.minGap()) continue;
            if (best < 0 || better(c, seen[best])) best = i;
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

    /** Waiting-for-memory processes first, then the oldest running one; -1 when none is left to consider. */
    private int next(Residents residents, boolean[] taken) {
        int best = -1;
        for (int i = 0; i < residents.count(); i++) {
            if (taken[i] || residents.migrations(i) >= settings.maxMigrations()) continue;
            if (!residents.running(i)) return i;
            if (best < 0 || residents.cpuSeconds(i) > residents.cpuSeconds(best)) best = i;
        }
        return best;
    }
}
