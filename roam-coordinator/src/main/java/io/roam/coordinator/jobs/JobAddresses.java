package io.roam.coordinator.jobs;

import io.roam.coordinator.store.Versioned;
import io.roam.coordinator.store.ZkAddressStore;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.core.JobId;
import io.roam.core.net.JobAddressPool;
import io.roam.proto.JobInfo;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Hands --net jobs their address from the cluster's job range ({@code roam coordinator --job-net}), unique in the
 * cluster: a claim in ZooKeeper per address. A claim is stale, and its address free again, once its job's record is
 * gone ({@code roam rm}), terminal (the job's namespace went with its processes) or holds another address.
 */
public final class JobAddresses {
    private final Optional<JobAddressPool> pool;
    private final ZkAddressStore claims;
    private final ZkJobStore jobs;
    private final RandomGenerator random;

    public JobAddresses(Optional<JobAddressPool> pool, ZkAddressStore claims, ZkJobStore jobs) {
        this(pool, claims, jobs, new SecureRandom());
    }

    JobAddresses(Optional<JobAddressPool> pool, ZkAddressStore claims, ZkJobStore jobs, RandomGenerator random) {
        this.pool = pool;
        this.claims = claims;
        this.jobs = jobs;
        this.random = random;
    }

    /** Why --net cannot be served, if it cannot. */
    public Optional<String> unavailable() {
        return pool.isPresent() ? Optional.empty()
                : Optional.of("this cluster has no address range for --net jobs: start it with 'roam up --nodes N' "
                        + "(or 'roam coordinator --job-net CIDR')");
    }

    /** A free address, claimed for {@code job}; empty when the range is full. */
    public Optional<String> allocate(JobId job) {
        JobAddressPool p = pool.orElseThrow(() -> new IllegalStateException(unavailable().orElseThrow()));
        for (int attempt = 0; attempt < 50; attempt++) {
            Map<String, Versioned<JobId>> held = claims.claims();
            Set<String> taken = new HashSet<>();
            held.forEach((address, owner) -> {
                if (owner.value().equals(job) || live(address, owner.value())) taken.add(address);
            });
            for (var e : held.entrySet()) {
                if (e.getValue().value().equals(job) && p.contains(e.getKey())) return Optional.of(e.getKey()); // a retried claim of ours
            }
            Optional<String> pick = p.pick(taken, random.nextInt(p.size()));
            if (pick.isEmpty()) return Optional.empty();
            String a = pick.get();
            Versioned<JobId> stale = held.get(a);
            if (stale != null && !claims.drop(a, stale.version())) continue;
            if (claims.claim(a, job)) return Optional.of(a);
        }
        throw new IllegalStateException("could not claim a job address after 50 attempts: too many concurrent submissions");
    }

    private boolean live(String address, JobId owner) {
        Optional<Versioned<JobInfo>> j = jobs.get(owner);
        if (j.isEmpty()) return false;
        JobInfo info = j.get().value();
        if (JobRecords.toCore(info.getState()).terminal()) return false;
        // a job whose record does not name the address yet is being submitted: its claim holds
        return info.getNetAddress().isEmpty() || info.getNetAddress().equals(address);
    }
}
