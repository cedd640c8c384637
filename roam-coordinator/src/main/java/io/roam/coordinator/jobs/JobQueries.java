package io.roam.coordinator.jobs;

import io.roam.coordinator.membership.Membership;
import io.roam.coordinator.store.Versioned;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.core.JobId;
import io.roam.proto.Caller;
import io.roam.proto.JobInfo;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/** ListJobs, GetJob, WaitJob: read-only views of the records, limited to the caller's jobs (root: all). */
public final class JobQueries {
    /** The longest a single WaitJob blocks; callers that want to wait longer call again. */
    public static final Duration MAX_WAIT = Duration.ofMinutes(10);
    /** Waiters re-read the store at least this often (changes made by another coordinator are not signalled). */
    static final Duration RELOAD = Duration.ofSeconds(1);

    private final ZkJobStore store;
    private final JobLookup lookup;
    private final Membership membership;
    private final JobNotifier notifier;

    public JobQueries(ZkJobStore store, JobLookup lookup, Membership membership, JobNotifier notifier) {
        this.store = store;
        this.lookup = lookup;
        this.membership = membership;
        this.notifier = notifier;
    }

    /** The caller's jobs, oldest first; finished ones only when {@code all}. */
    public List<JobInfo> list(Caller caller, boolean all) {
        return store.list().stream()
                .filter(j -> Access.mayActOn(caller, j.getSpec().getUid()))
                .filter(j -> all || !JobRecords.toCore(j.getState()).terminal())
                .map(this::withRss)
                .toList();
    }

    public Answer<JobInfo> get(Caller caller, String job) {
        return switch (lookup.find(caller, job)) {
            case Answer.Ok<Versioned<JobInfo>>(Versioned<JobInfo> v) -> Answer.ok(withRss(v.value()));
            case Answer.Refused<Versioned<JobInfo>> r -> r.as();
        };
    }

    /**
     * Blocks until the job is terminal or {@code timeout} (at most {@link #MAX_WAIT}; zero or negative: the maximum) has
     * passed, or {@code cancelled} says the caller went away, then answers the current record.
     */
    public Answer<JobInfo> await(Caller caller, String job, Duration timeout, BooleanSupplier cancelled) {
        Duration limit = timeout.isZero() || timeout.isNegative() || timeout.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : timeout;
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            long seen = notifier.generation();
            Answer<JobInfo> current = get(caller, job);
            if (!(current instanceof Answer.Ok<JobInfo>(JobInfo j))) return current;
            long left = deadline - System.nanoTime();
            if (JobRecords.toCore(j.getState()).terminal() || left <= 0 || cancelled.getAsBoolean()) return current;
            notifier.awaitChange(seen, Duration.ofNanos(Math.min(left, RELOAD.toNanos())));
        }
    }

    private JobInfo withRss(JobInfo j) {
        long rss = JobRecords.toCore(j.getState()).live() ? membership.rss(JobId.of(j.getId()), j.getNode()) : 0;
        return j.toBuilder().setRssBytes(rss).build();
    }
}
