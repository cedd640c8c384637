package io.roam.core.policy;

/**
 * Knobs shared by the policies; each uses the ones that apply to it.
 *
 * @param probes             d: nodes a placement samples (power-of-d), or a periodic decision looks at for a target
 * @param cost               what a migration costs (the age rule divides it by the load gap)
 * @param maxMigrations      a process is migrated at most this many times (no ping-pong)
 * @param minGap             hysteresis: a process moves only if the source has at least this many more runnable
 *                           processes than the target has
 * @param maxPerTick         rate limit: migrations one node starts per tick
 * @param remoteExecSeconds  what starting a process on another node costs (it makes no progress meanwhile)
 * @param headroomBytes      memory a placement or migration leaves free on the target, beyond the process's own
 * @param maxReportAge       gossip reports older than this (seconds) are ignored by policies that care
 */
public record PolicySettings(int probes, MigrationCost cost, int maxMigrations, int minGap, int maxPerTick,
                             double remoteExecSeconds, long headroomBytes, double maxReportAge) {
    public static final long MB = 1L << 20;

    public PolicySettings {
        if (probes < 1) throw new IllegalArgumentException("probes (d) must be ≥ 1, got " + probes);
        if (maxMigrations < 0 || minGap < 1 || maxPerTick < 0)
            throw new IllegalArgumentException("limits must be ≥ 0 (gap ≥ 1): " + maxMigrations + ", " + minGap + ", " + maxPerTick);
        if (!(remoteExecSeconds >= 0) || headroomBytes < 0 || !(maxReportAge > 0))
            throw new IllegalArgumentException("remote exec cost, headroom and report age must be ≥ 0");
    }

    /** d = 2; migration 0.1 s + memory at 500 MB/s; at most 3 moves a process, gap 2, 2 moves a node a tick. */
    public static PolicySettings defaults() {
        return new PolicySettings(2, new MigrationCost(0.1, 500.0 * MB), 3, 2, 2, 0.005, 64 * MB, 10.0);
    }

    public PolicySettings withProbes(int d) {
        return new PolicySettings(d, cost, maxMigrations, minGap, maxPerTick, remoteExecSeconds, headroomBytes, maxReportAge);
    }

    public PolicySettings withCost(MigrationCost c) {
        return new PolicySettings(probes, c, maxMigrations, minGap, maxPerTick, remoteExecSeconds, headroomBytes, maxReportAge);
    }

    public PolicySettings withRemoteExecSeconds(double s) {
        return new PolicySettings(probes, cost, maxMigrations, minGap, maxPerTick, s, headroomBytes, maxReportAge);
    }

    public PolicySettings withLimits(int maxMigrations, int minGap, int maxPerTick) {
        return new PolicySettings(probes, cost, maxMigrations, minGap, maxPerTick, remoteExecSeconds, headroomBytes, maxReportAge);
    }
}
