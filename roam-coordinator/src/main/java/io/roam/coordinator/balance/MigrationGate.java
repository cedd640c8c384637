package io.roam.coordinator.balance;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The balancer's rate limits (pure; time passed in): at most {@code maxConcurrent} migrations at once cluster-wide, a
 * job moved by the balancer stays put for {@code jobInterval}, and a job that could not be migrated is left alone for
 * {@code refusedBackoff} (not tried every second). Not thread-safe: the balancer synchronizes.
 */
public final class MigrationGate {
    /** How soon a failed eviction is tried again. */
    static final long EVICT_RETRY_MS = 10_000;
    private final BalanceSettings settings;
    private final Set<String> inFlight = new HashSet<>();
    private final Map<String, Long> movedAt = new HashMap<>();
    private final Map<String, Long> refusedAt = new HashMap<>();
    private final Map<String, Integer> moves = new HashMap<>();

    public MigrationGate(BalanceSettings settings) { this.settings = settings; }

    /**
     * Why {@code job} may not start moving at {@code nowMs}, or empty when it may. An eviction (its node's owner is
     * back) ignores the per-job interval: the guest must leave whenever it arrived.
     */
    public Optional<String> blocked(String job, long nowMs, boolean evicting) {
        if (inFlight.contains(job)) return Optional.of("already moving");
        if (inFlight.size() >= settings.maxConcurrent()) return Optional.of(inFlight.size() + " migrations running (cap " + settings.maxConcurrent() + ")");
        Long moved = movedAt.get(job);
        if (!evicting && moved != null && nowMs - moved < settings.jobInterval().toMillis()) return Optional.of("moved " + (nowMs - moved) / 1000 + " s ago");
        Long refused = refusedAt.get(job);
        // the owner is waiting for the machine: an eviction that failed is tried again soon, not after the full backoff
        long backoff = evicting ? Math.min(settings.refusedBackoff().toMillis(), EVICT_RETRY_MS) : settings.refusedBackoff().toMillis();
        if (refused != null && nowMs - refused < backoff) return Optional.of("refused " + (nowMs - refused) / 1000 + " s ago");
        return Optional.empty();
    }

    /** Whether another migration may start now at all. */
    public boolean full() { return inFlight.size() >= settings.maxConcurrent(); }

    public void started(String job) { inFlight.add(job); }

    /** The migration of {@code job} ended at {@code nowMs}: moved, or refused/failed (then it backs off). */
    public void finished(String job, boolean moved, long nowMs) {
        inFlight.remove(job);
        if (moved) {
            movedAt.put(job, nowMs);
            moves.merge(job, 1, Integer::sum);
        } else {
            refusedAt.put(job, nowMs);
        }
    }

    /** How many times the balancer moved {@code job} (what the policy's maxMigrations counts). */
    public int moves(String job) { return moves.getOrDefault(job, 0); }

    /** Forgets jobs that no longer exist. */
    public void retain(Set<String> jobs) {
        movedAt.keySet().retainAll(jobs);
        refusedAt.keySet().retainAll(jobs);
        moves.keySet().retainAll(jobs);
    }
}
