package io.roam.coordinator.jobs;

import io.roam.coordinator.store.Versioned;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.core.JobEvent;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.proto.Ack;
import io.roam.proto.JobExitReport;
import io.roam.proto.JobInfo;
import io.roam.proto.JobState;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What agents tell about processes: exits (ReportJobExit) and, on registration, which jobs they still hold. An exit
 * reported while the coordinator is itself changing the job (starting, checkpointing, restoring it) is held back and
 * applied when that operation has settled ({@link #settle}), so that it is neither lost nor misread.
 */
public final class ExitReports {
    private static final Logger LOG = LoggerFactory.getLogger(ExitReports.class);
    private static final Set<JobState> IN_FLIGHT = Set.of(JobState.PENDING, JobState.CHECKPOINTING, JobState.RESTORING, JobState.MIGRATING);
    private final ZkJobStore store;
    private final JobTransitions transitions;
    private final ConcurrentHashMap<JobId, JobExitReport> deferred = new ConcurrentHashMap<>();

    public ExitReports(ZkJobStore store, JobTransitions transitions) {
        this.store = store;
        this.transitions = transitions;
    }

    public Ack report(JobExitReport r) {
        if (!JobId.isValid(r.getJob())) return nack("invalid job name '" + JobLookup.shorten(r.getJob()) + "'");
        JobId id = JobId.of(r.getJob());
        Optional<Versioned<JobInfo>> v = store.get(id);
        if (v.isEmpty()) return nack("no such job: " + id);
        JobInfo job = v.get().value();
        if (!r.getNode().isEmpty() && !job.getNode().isEmpty() && !r.getNode().equals(job.getNode())) {
            return nack("job " + id + " is on " + job.getNode() + ", not on " + r.getNode() + ": stale exit report ignored");
        }
        if (r.getHostPid() != 0 && job.getHostPid() != 0 && r.getHostPid() != job.getHostPid()) {
            return nack("job " + id + " runs as pid " + job.getHostPid() + ", not " + r.getHostPid() + ": stale exit report ignored");
        }
        if (IN_FLIGHT.contains(job.getState())) {
            deferred.put(id, r);
            LOG.info("job {}: exit reported while {}: applied once that settles", id, job.getState());
            // The operation may have settled between our read and the put: then nobody else will pick it up.
            if (store.get(id).map(x -> !IN_FLIGHT.contains(x.value().getState())).orElse(true)) settle(id);
            return Ack.newBuilder().setOk(true).build();
        }
        JobEvent event = r.getReason().isEmpty() ? new JobEvent.Exited(r.getExitCode()) : new JobEvent.Lost(r.getReason());
        return switch (transitions.apply(id, event)) {
            case TransitionOutcome.Applied a -> Ack.newBuilder().setOk(true).build();
            case TransitionOutcome.Rejected rj -> nack(rj.reason());
            case TransitionOutcome.Missing m -> nack("no such job: " + id);
        };
    }

    /** Applies an exit held back while {@code job} was in flight (a no-op when there is none). */
    public void settle(JobId job) {
        JobExitReport r = deferred.remove(job);
        if (r != null) {
            Ack a = report(r);
            if (!a.getOk()) LOG.info("job {}: held-back exit report dropped: {}", job, a.getError());
        }
    }

    /**
     * What an agent's list of held jobs suggests: the records it lacks (RUNNING on its node, as read before anyone
     * asked the agent again) and stale copies (jobs it holds that the records place elsewhere or no longer running).
     */
    public record Reconciled(List<Versioned<JobInfo>> missing, List<String> stale) {
        public boolean clean() { return missing.isEmpty() && stale.isEmpty(); }
    }

    /**
     * Compares an agent's list of held jobs with the records, and writes nothing (but a held-back exit it settles). The
     * list of a registration can be seconds old by the time it arrives (its request waited out a cut link), so a job
     * that reached the node since then is missing from it: the caller confirms with a fresh {@link #confirmLost} and
     * {@link #stale} before it acts. A job being migrated is left alone (its target holds it before the commit).
     */
    public Reconciled reconcile(NodeId node, List<JobInfo> held) {
        Set<String> holds = held.stream().map(JobInfo::getId).collect(Collectors.toSet());
        List<Versioned<JobInfo>> missing = new java.util.ArrayList<>();
        for (JobInfo j : store.list()) {
            if (j.getState() != JobState.RUNNING || !j.getNode().equals(node.value()) || holds.contains(j.getId())) continue;
            JobId id = JobId.of(j.getId());
            if (deferred.containsKey(id)) {
                settle(id);
                continue;
            }
            missing.add(new Versioned<>(j, (int) j.getVersion()));   // list() reads each record with its version
        }
        return new Reconciled(List.copyOf(missing), stale(node, held));
    }

    /**
     * Re-adoption: each of {@code missing} (records read before {@code heldNow} was asked for) that the agent still
     * does not hold, and whose record has not changed since, is lost. Returns how many.
     */
    public int confirmLost(NodeId node, List<Versioned<JobInfo>> missing, Set<String> heldNow) {
        int lost = 0;
        for (Versioned<JobInfo> v : missing) {
            JobId id = JobId.of(v.value().getId());
            if (heldNow.contains(id.value())) {
                LOG.info("job {}: held on {} after all (the registration's list predates it)", id, node);
                continue;
            }
            if (deferred.containsKey(id)) {
                settle(id);
                continue;
            }
            JobEvent lostIt = new JobEvent.Lost("the agent on " + node + " no longer has the process");
            switch (transitions.applyIfUnchanged(id, lostIt, v.version())) {
                case TransitionOutcome.Applied a -> lost++;
                case TransitionOutcome.Rejected r -> LOG.info("job {}: not lost on {}: {}", id, node, r.reason());
                case TransitionOutcome.Missing m -> { }
            }
        }
        return lost;
    }

    /** The jobs of {@code held} that the records place on another node or no longer running: the caller kills them. */
    public List<String> stale(NodeId node, List<JobInfo> held) {
        List<String> stale = new java.util.ArrayList<>();
        for (JobInfo h : held) {
            Optional<Versioned<JobInfo>> v = JobId.isValid(h.getId()) ? store.get(JobId.of(h.getId())) : Optional.empty();
            if (v.isEmpty()) {
                LOG.warn("node {} holds job {}, which has no record", node, h.getId());
            } else if (v.get().value().getState() != JobState.MIGRATING && (!v.get().value().getNode().equals(node.value())
                    || !JobRecords.toCore(v.get().value().getState()).live())) {
                LOG.warn("node {} holds a stale copy of job {} (the records say: {} on {})", node, h.getId(),
                        v.get().value().getState(), v.get().value().getNode());
                stale.add(h.getId());
            }
        }
        return stale;
    }

    private static Ack nack(String why) {
        LOG.info("exit report refused: {}", why);
        return Ack.newBuilder().setOk(false).setError(why).build();
    }
}
