package io.roam.core.policy;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Receiver-initiated work stealing (Blumofe and Leiserson; Eager, Lazowska and Zahorjan's receiver-initiated
 * sharing): processes start where they are born; once a second a node with an idle core asks {@code probes} random
 * nodes for work, and a victim with more runnable processes than cores (by at least the hysteresis gap) hands over
 * its oldest movable process that fits the thief's memory.
 */
public final class WorkStealing implements Policy {
    private static final Reason HERE = Reason.of("work stealing: new processes start where they are born");
    private final PolicySettings settings;
    private final RandomGenerator random;

    public WorkStealing(PolicySettings settings, RandomGenerator random) {
        this.settings = settings;
        this.random = random;
    }

    @Override public String name() { return "work-stealing"; }

    @Override public Decision.Place place(Birth birth, LoadView view) { return new Decision.Place(view.self(), HERE); }

    @Override public List<Decision.Periodic> tick(Residents residents, LoadView view) {
        NodeLoad local = view.local();
        if (!local.hasIdleCore() || view.nodeCount() < 2) return List.of();
        Reason why = Reason.of("work stealing: {0} of {1} cores idle", local.cores() - local.runnable(), local.cores());
        if (settings.probes() == 1) return List.of(new Decision.Steal(Candidates.otherThan(view.self(), view.nodeCount(), random), why));
        int count = Math.min(settings.probes(), view.nodeCount() - 1);
        Decision.Periodic[] asks = new Decision.Periodic[count];
        for (int i = 0; i < count; i++) {
            int victim;
            boolean again;
            do {
                victim = Candidates.otherThan(view.self(), view.nodeCount(), random);
                again = false;
                for (int j = 0; j < i; j++) again |= ((Decision.Steal) asks[j]).from() == victim;
            } while (again);
            asks[i] = new Decision.Steal(victim, why);
        }
        return List.of(asks);
    }

    @Override public List<Decision.Migrate> surrender(NodeLoad thief, Residents residents, LoadView view) {
        NodeLoad local = view.local();
        if (local.runnable() <= local.cores() || local.runnable() - thief.runnable() < settings.minGap()) return List.of();
        int best = -1;
        for (int i = 0; i < residents.count(); i++) {
            if (!residents.running(i) || residents.migrations(i) >= settings.maxMigrations()
                    || !thief.fits(residents.memoryBytes(i))) continue;
            if (best < 0 || residents.cpuSeconds(i) > residents.cpuSeconds(best)) best = i;
        }
        if (best < 0) return List.of();
        return List.of(new Decision.Migrate(residents.id(best), thief.node(),
                Reason.of("stolen by idle n{0}: {1} runnable here on {2} cores", thief.node(), local.runnable(), local.cores())));
    }
}
