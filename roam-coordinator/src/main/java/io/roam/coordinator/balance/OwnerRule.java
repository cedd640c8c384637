package io.roam.coordinator.balance;

import io.roam.proto.NodeLoad;
import java.time.Duration;
import java.util.Optional;

/**
 * When a node belongs to its owner (pure; time passed in). HTCondor's desktop policy, simplified: the owner is active
 * when the keyboard, mouse or a terminal was used within {@code activeWithin} (HTCondor: KeyboardBusy, 1 min), or
 * when non-roam load per core exceeds {@code highLoad} (HighLoad, 0.5); the node is then the owner's: nothing new lands
 * there, and once it has been the owner's for {@code grace} (MaxSuspendTime, 10 min) its guests move away. It takes
 * jobs again after {@code idleToReturn} without activity (StartIdleTime, 15 min) and with the load back below.
 * {@code roam owner NODE --active} simulates the owner (as if the keyboard were in use) until {@code --idle}.
 */
public final class OwnerRule {
    public record Settings(Duration activeWithin, double highLoad, Duration grace, Duration idleToReturn) {
        public Settings {
            if (activeWithin.isNegative() || grace.isNegative() || idleToReturn.isNegative() || !(highLoad > 0))
                throw new IllegalArgumentException("owner times must be ≥ 0 and the load threshold > 0");
        }

        public static Settings defaults() { return new Settings(Duration.ofMinutes(1), 0.5, Duration.ofMinutes(10), Duration.ofMinutes(15)); }

        public Settings withGrace(Duration g) { return new Settings(activeWithin, highLoad, g, idleToReturn); }
    }

    /** What changed at this observation, if anything. */
    public sealed interface Change {
        String reason();

        record Arrived(String reason) implements Change {}

        record Left(String reason) implements Change {}
    }

    private final Settings settings;
    private boolean owned;
    private long ownedSinceMs;
    private long lastActiveMs = Long.MIN_VALUE / 2;

    public OwnerRule(Settings settings) { this.settings = settings; }

    public boolean owned() { return owned; }

    /** True when the owner has had the node for the whole grace period: its guests should leave now. */
    public boolean evict(long nowMs) { return owned && nowMs - ownedSinceMs >= settings.grace().toMillis(); }

    /** One observation: the node's latest report, whether {@code roam owner --active} is on, and the time. */
    public Optional<Change> observe(NodeLoad load, boolean simulatedActive, long nowMs) {
        boolean simulationEnded = wasSimulated && !simulatedActive; // ending it frees the node at once
        wasSimulated = simulatedActive;
        String activity = activity(load, simulatedActive);
        if (activity != null) lastActiveMs = nowMs;
        if (!owned && activity != null) {
            owned = true;
            ownedSinceMs = nowMs;
            return Optional.of(new Change.Arrived(activity + "; guests move away after " + human(settings.grace())));
        }
        if (owned && activity == null && (simulationEnded || nowMs - lastActiveMs >= settings.idleToReturn().toMillis())) {
            owned = false;
            return Optional.of(new Change.Left(simulationEnded ? "simulated owner activity ended (roam owner --idle): the node takes jobs again"
                    : "owner idle for " + human(settings.idleToReturn()) + ": the node takes jobs again"));
        }
        return Optional.empty();
    }

    private boolean wasSimulated;

    private String activity(NodeLoad load, boolean simulatedActive) {
        if (simulatedActive) return "owner active (simulated: roam owner --active)";
        if (!load.getOwnerDetected()) return null;
        if (load.getOwnerIdleSeconds() < settings.activeWithin().toSeconds())
            return "owner active: " + load.getOwnerActivity() + " used " + Math.round(load.getOwnerIdleSeconds()) + " s ago";
        double perCore = load.getNonRoamLoad() / Math.max(1, load.getCores());
        if (perCore > settings.highLoad())
            return String.format(java.util.Locale.ROOT, "owner active: non-roam load %.2f per core > %.2f", perCore, settings.highLoad());
        return null;
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        return s % 60 == 0 && s > 0 ? s / 60 + " min" : d.toMillis() % 1000 == 0 ? s + " s" : d.toMillis() + " ms";
    }
}
