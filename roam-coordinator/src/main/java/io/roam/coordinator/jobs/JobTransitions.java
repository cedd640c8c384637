package io.roam.coordinator.jobs;

import io.roam.coordinator.store.Also;
import io.roam.coordinator.store.StoreException;
import io.roam.coordinator.store.Versioned;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.core.JobEvent;
import io.roam.core.JobId;
import io.roam.core.JobStateMachine;
import io.roam.core.SideEffect;
import io.roam.core.Transition;
import io.roam.proto.JobInfo;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only writer of job state: load the record → {@link JobStateMachine#apply} → compare-and-set write (reload and
 * re-apply on a version conflict) → side effects, which run only after the store committed.
 */
public final class JobTransitions {
    private static final Logger LOG = LoggerFactory.getLogger(JobTransitions.class);
    private static final int MAX_ATTEMPTS = 100;

    private final ZkJobStore store;
    private final JobNotifier notifier;
    private final LongSupplier clock;
    private volatile Consumer<JobInfo> deleteJobData = job -> {};

    public JobTransitions(ZkJobStore store, JobNotifier notifier, LongSupplier clock) {
        this.store = store;
        this.notifier = notifier;
        this.clock = clock;
    }

    /** What runs for the DeleteJobData side effect of a removal (given the removed record). */
    public void onDeleteJobData(Consumer<JobInfo> action) { this.deleteJobData = action; }

    public TransitionOutcome apply(JobId id, JobEvent event) { return apply(id, event, List.of()); }

    /**
     * Like {@link #apply(JobId, JobEvent)}, committing {@code also} in the same transaction as the record.
     *
     * @throws Also.Conflict when one of {@code also} lost a race; nothing was written
     */
    public TransitionOutcome apply(JobId id, JobEvent event, List<Also> also) { return apply(id, event, also, null); }

    /**
     * Like {@link #apply(JobId, JobEvent, List)}, trying {@code known} (a record this caller read or wrote, with its
     * version) before reading the store: one ZooKeeper read less on the paths that hold the job's latest record. A
     * stale {@code known} costs nothing but that read: its write loses the compare-and-set, and a refusal is only
     * believed from a fresh read.
     */
    public TransitionOutcome apply(JobId id, JobEvent event, List<Also> also, JobInfo known) {
        if (!also.isEmpty() && event instanceof JobEvent.Removed) throw new IllegalArgumentException("a removal commits nothing else");
        JobInfo hint = known;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned<JobInfo>> loaded = hint != null ? Optional.of(new Versioned<>(hint, (int) hint.getVersion())) : store.get(id);
            boolean fromHint = hint != null;
            hint = null;
            if (loaded.isEmpty()) return new TransitionOutcome.Missing(id);
            JobInfo current = loaded.get().value();
            int version = loaded.get().version();
            Transition t = JobStateMachine.apply(JobRecords.toRecord(current), event, clock.getAsLong());
            switch (t) {
                case Transition.Refused r when fromHint -> { }   // believe a refusal only from the store itself
                case Transition.Refused r -> {
                    LOG.debug("job {}: {} refused: {}", id, event, r.reason());
                    return new TransitionOutcome.Rejected(r.reason(), current);
                }
                case Transition.Accepted a -> {
                    Optional<JobInfo> next = commit(id, event, current, version, a, also);
                    if (next.isPresent()) return new TransitionOutcome.Applied(next.get());
                }
            }
        }
        throw new StoreException("job " + id + ": gave up after " + MAX_ATTEMPTS + " conflicting writes");
    }

    /**
     * Applies {@code event} only to the record at {@code expectedVersion}: for a decision made from that record and
     * something else (an agent's answer) that would not hold for a newer one. Rejected when the record moved on.
     */
    public TransitionOutcome applyIfUnchanged(JobId id, JobEvent event, int expectedVersion) {
        if (event instanceof JobEvent.Removed) throw new IllegalArgumentException("a removal is never conditional");
        Optional<Versioned<JobInfo>> loaded = store.get(id);
        if (loaded.isEmpty()) return new TransitionOutcome.Missing(id);
        JobInfo current = loaded.get().value();
        if (loaded.get().version() != expectedVersion) {
            return new TransitionOutcome.Rejected("job " + id + " changed since (now " + current.getState() + " on " + current.getNode() + ")",
                    current);
        }
        return switch (JobStateMachine.apply(JobRecords.toRecord(current), event, clock.getAsLong())) {
            case Transition.Refused r -> new TransitionOutcome.Rejected(r.reason(), current);
            case Transition.Accepted a -> commit(id, event, current, expectedVersion, a, List.of())
                    .<TransitionOutcome>map(TransitionOutcome.Applied::new)
                    .orElseGet(() -> new TransitionOutcome.Rejected("job " + id + " changed while " + describe(event) + " was being written", current));
        };
    }

    /**
     * Writes an accepted transition of {@code current} (at {@code version}) by compare-and-set, then runs its side
     * effects: the record written, or empty when the record had moved on (nothing was written).
     */
    private Optional<JobInfo> commit(JobId id, JobEvent event, JobInfo current, int version, Transition.Accepted a, List<Also> also) {
        JobInfo next;
        boolean committed;
        if (event instanceof JobEvent.Removed) {
            next = current;
            committed = store.delete(id, version);
        } else {
            next = JobRecords.merge(current, a.record()).toBuilder().setVersion(version + 1L).build();
            committed = store.replace(next, version, also);
        }
        if (!committed) return Optional.empty();
        LOG.info("job {}: {} -> {} on {}", id, current.getState(), event instanceof JobEvent.Removed ? "removed" : next.getState(), describe(event));
        a.effects().forEach(e -> run(e, next));
        return Optional.of(next);
    }

    private void run(SideEffect effect, JobInfo job) {
        switch (effect) {
            case SideEffect.NotifyWaiters n -> notifier.changed(n.job());
            case SideEffect.DeleteJobData d -> {
                try {
                    deleteJobData.accept(job);
                } catch (RuntimeException e) {
                    LOG.warn("job {}: could not delete its data: {}", d.job(), e.toString());
                }
            }
        }
    }

    private static String describe(JobEvent e) {
        return switch (e) {
            case JobEvent.Started s -> "Started(pid " + s.hostPid() + " on " + s.node() + ")";
            case JobEvent.StartFailed f -> "StartFailed(" + f.reason() + ")";
            case JobEvent.CheckpointStarted c -> "CheckpointStarted(" + c.checkpoint() + ")";
            case JobEvent.CheckpointCompleted c -> "CheckpointCompleted(" + c.checkpoint() + (c.sleep() ? ", sleep" : "") + ")";
            case JobEvent.CheckpointFailed f -> "CheckpointFailed(" + f.reason() + ")";
            case JobEvent.RestoreStarted r -> "RestoreStarted(" + r.checkpoint() + " on " + r.node() + ")";
            case JobEvent.Restored r -> "Restored(pid " + r.hostPid() + " on " + r.node() + ")";
            case JobEvent.RestoreFailed f -> "RestoreFailed(" + f.reason() + ")";
            case JobEvent.Exited x -> "Exited(" + x.exitCode() + ")";
            case JobEvent.Lost l -> "Lost(" + l.reason() + ")";
            case JobEvent.Removed r -> "Removed";
            case JobEvent.MigrationStarted m -> "MigrationStarted(to " + m.to() + ", image " + m.image() + ")";
            case JobEvent.MigrationCommitted m -> "MigrationCommitted(pid " + m.hostPid() + " on " + m.node() + ")";
            case JobEvent.MigrationAborted m -> "MigrationAborted(" + m.reason() + "; pid " + m.hostPid() + " on " + m.node() + ")";
            case JobEvent.MigrationFailed m -> "MigrationFailed(" + m.reason() + ")";
            case JobEvent.NodeDied d -> "NodeDied(" + d.node() + ", restart from " + d.restartFrom() + ")";
        };
    }
}
