package io.roam.coordinator.balance;

import io.roam.core.policy.Policies;
import io.roam.core.policy.PolicySettings;
import java.time.Duration;

/**
 * How the coordinator balances: the policy (a roam-core class, as in roam sim) and the limits around it.
 *
 * @param policy         the policy's name ({@link Policies#NAMES}); {@code local} never moves anything
 * @param maxConcurrent  migrations the balancer runs at once, cluster-wide
 * @param jobInterval    a job moved by the balancer stays put at least this long (hysteresis on top of the policy's gap)
 * @param refusedBackoff a job that cannot be migrated (roam check's reasons) is not tried again for this long
 * @param owner          when a node belongs to its owner
 */
public record BalanceSettings(String policy, int maxConcurrent, Duration jobInterval, Duration refusedBackoff, OwnerRule.Settings owner) {
    public static final String DEFAULT_POLICY = "roam";

    public BalanceSettings {
        if (maxConcurrent < 1) throw new IllegalArgumentException("at least one concurrent migration, got " + maxConcurrent);
        Policies.create(policy, PolicySettings.defaults(), new java.util.Random(0)); // throws the one-line error for a bad name
    }

    /** roam's own policy, 2 migrations at once, 30 s between moves of a job, 5 min after a refusal, HTCondor's owner times. */
    public static BalanceSettings defaults() {
        return new BalanceSettings(DEFAULT_POLICY, 2, Duration.ofSeconds(30), Duration.ofMinutes(5), OwnerRule.Settings.defaults());
    }

    public BalanceSettings withPolicy(String name) { return new BalanceSettings(name, maxConcurrent, jobInterval, refusedBackoff, owner); }

    public BalanceSettings withOwner(OwnerRule.Settings o) { return new BalanceSettings(policy, maxConcurrent, jobInterval, refusedBackoff, o); }
}
