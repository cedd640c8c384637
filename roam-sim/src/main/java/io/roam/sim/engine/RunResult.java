package io.roam.sim.engine;

/**
 * What one simulation measured. Response time = completion − birth; delay = response − CPU demand; slowdown =
 * response / CPU demand (≥ 1). Means over the measured processes; messages over the whole run.
 *
 * @param migrationsPerProcess preemptive migrations of measured processes per measured process (exec-time remote
 *                             placements are not migrations; see {@code remotePlacements})
 * @param fractionMigrated     measured processes migrated at least once
 * @param bytesMoved           memory moved by migrations (all processes)
 * @param messagesPerNodeSecond probes (request + reply), gossip, advertisements, steal requests and replies, and one
 *                             control message per remote placement or migration, per node per simulated second
 * @param placeNanos           wall-clock ns per exec-time decision (mean, measured around the policy call)
 * @param tickNanos            wall-clock ns per periodic decision (mean, measured around the policy call)
 * @param memoryCapped         processes whose memory exceeded a node's and was cut to it (traces)
 * @param fractionWaited       measured processes that had to wait for memory somewhere
 * @param censored             measured processes still running when the cool-down cap ended the run; when &gt; 0, the
 *                             means are lower bounds (those processes count with their response time so far)
 */
public record RunResult(String policy, String workload, SimConfig config, long measured, double meanResponse,
                        double meanDelay, double meanSlowdown, double p99Slowdown, double migrationsPerProcess,
                        double fractionMigrated, long bytesMoved, double messagesPerNodeSecond, double placeNanos,
                        double tickNanos, long remotePlacements, double simulatedSeconds, double wallSeconds,
                        long arrivals, SizeBuckets bySize, long memoryCapped, double fractionWaited, long censored) {}
