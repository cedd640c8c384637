package io.roam.core.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Harchol-Balter and Downey's preemptive policy (TOCS 1997): new processes run where they are born; once a second a
 * node migrates a process p to the least loaded node it can see when p's age (CPU used) exceeds its migration cost
 * divided by the load difference, {@code age > cost(p) / (n − m)} (n, m: runnable per core here and there). Oldest
 * first; hysteresis and rate limits from {@link PolicySettings}. Memory-aware: the target must have room.
 */
public final class AgeRule implements Policy {
    private static final Reason HERE = Reason.of("age rule: new processes start where they are born");
    private final PolicySettings settings;
    private final RandomGenerator random;

    public AgeRule(PolicySettings settings, RandomGenerator random) {
        this.settings = settings;
        this.random = random;
    }

    @Override public String name() { return "age"; }

    @Override public Decision.Place place(Birth birth, LoadView view) { return new Decision.Place(view.self(), HERE); }

    @Override public List<Decision.Periodic> tick(Residents residents, LoadView view) {
        NodeLoad local = view.local();
        double here = local.perCore();
        if (local.runnable() <= local.cores() || local.runnable() < settings.minGap() || !anyEligible(residents, here))
            return List.of();
        NodeLoad target = null;
        for (NodeLoad c : Candidates.sample(view, settings.probes(), random, settings.maxReportAge()))
            if (target == null || c.perCore() < target.perCore()) target = c;
        if (target == null) return List.of();
        List<Decision.Periodic> out = new ArrayList<>(2);
        boolean[] taken = new boolean[residents.count()];
        int n = local.runnable();
        while (out.size() < settings.maxPerTick() && n - target.runnable() >= settings.minGap()) {
            int p = oldestMovable(residents, taken);
            if (p < 0) break;
            taken[p] = true;
            double gap = (double) n / local.cores() - target.perCore();
            double cost = settings.cost().seconds(residents.memoryBytes(p));
            double age = residents.cpuSeconds(p);
            if (gap <= 0 || age <= cost / gap) break; // the oldest is not old enough, so no younger one is
            if (!target.fits(residents.memoryBytes(p))) continue;
            out.add(new Decision.Migrate(residents.id(p), target.node(),
                    Reason.of("age rule: age {0} s > cost {1} s / load gap {2}", age, cost, gap)));
            n--;
            target = target.plusOne(residents.memoryBytes(p));
        }
        return out;
    }

    private boolean anyEligible(Residents residents, double here) {
        for (int i = 0; i < residents.count(); i++)
            if (residents.running(i) && residents.migrations(i) < settings.maxMigrations()
                    && residents.cpuSeconds(i) * here > settings.cost().seconds(residents.memoryBytes(i))) return true;
        return false;
    }

    private int oldestMovable(Residents residents, boolean[] taken) {
        int best = -1;
        for (int i = 0; i < residents.count(); i++) {
            if (taken[i] || !residents.running(i) || residents.migrations(i) >= settings.maxMigrations()) continue;
            if (best < 0 || residents.cpuSeconds(i) > residents.cpuSeconds(best)) best = i;
        }
        return best;
    }
}
