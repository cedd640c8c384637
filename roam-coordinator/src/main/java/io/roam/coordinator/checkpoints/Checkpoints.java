package io.roam.coordinator.checkpoints;

import io.roam.coordinator.agents.AgentClients;
import io.roam.coordinator.agents.AgentReply;
import io.roam.coordinator.jobs.Access;
import io.roam.coordinator.jobs.Answer;
import io.roam.coordinator.jobs.ExitReports;
import io.roam.coordinator.jobs.JobLookup;
import io.roam.coordinator.jobs.JobRecords;
import io.roam.coordinator.jobs.JobTransitions;
import io.roam.coordinator.jobs.TransitionOutcome;
import io.roam.coordinator.store.Also;
import io.roam.coordinator.store.StoreException;
import io.roam.coordinator.store.Versioned;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.core.CheckpointId;
import io.roam.core.JobEvent;
import io.roam.core.JobId;
import io.roam.core.JobStateMachine;
import io.roam.core.NodeId;
import io.roam.core.Transition;
import io.roam.proto.AgentRestoreReply;
import io.roam.proto.AgentRestoreRequest;
import io.roam.proto.Caller;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.DeleteImageRequest;
import io.roam.proto.DumpJobReply;
import io.roam.proto.DumpJobRequest;
import io.roam.proto.JobInfo;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** CheckpointJob, RestoreJob, ListCheckpoints, and the deletion of a removed job's images. */
public final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    /** A dump or restore copies the whole memory of the job: seconds per GB. */
    static final Duration CRIU_DEADLINE = Duration.ofMinutes(10);
    static final Duration DELETE_DEADLINE = Duration.ofSeconds(30);

    private final ZkJobStore store;
    private final JobLookup lookup;
    private final JobTransitions transitions;
    private final ExitReports exits;
    private final AgentClients agents;
    private final String clusterId;
    private final LongSupplier clock;

    public Checkpoints(ZkJobStore store, JobLookup lookup, JobTransitions transitions, ExitReports exits, AgentClients agents,
                       String clusterId, LongSupplier clock) {
        this.store = store;
        this.lookup = lookup;
        this.transitions = transitions;
        this.exits = exits;
        this.agents = agents;
        this.clusterId = clusterId;
        this.clock = clock;
    }

    public Answer<CheckpointInfo> checkpoint(Caller caller, String job, boolean leaveRunning, boolean sleep) {
        long t0 = System.nanoTime();
        Answer<Versioned<JobInfo>> found = lookup.find(caller, job);
        if (!(found instanceof Answer.Ok<Versioned<JobInfo>>(Versioned<JobInfo> v))) return ((Answer.Refused<Versioned<JobInfo>>) found).as();
        JobId id = JobId.of(job);
        // Ask the state machine first, so that a refused request does not use up a sequence number.
        if (JobStateMachine.apply(JobRecords.toRecord(v.value()), new JobEvent.CheckpointStarted(CheckpointId.of(id, 0), leaveRunning),
                clock.getAsLong()) instanceof Transition.Refused r) {
            return Answer.refused(Answer.Kind.PRECONDITION, r.reason());
        }
        long tSeq = System.nanoTime();
        CheckpointId cid = null;
        TransitionOutcome started = null;
        // the sequence number is claimed in the same transaction as the state change: one ZooKeeper write
        for (int attempt = 0; started == null; attempt++) {
            Also.ClaimSequence claim = store.nextSequenceClaim(id);
            cid = claim.checkpoint();
            try {
                started = transitions.apply(id, new JobEvent.CheckpointStarted(cid, leaveRunning), List.of(claim), v.value());
            } catch (Also.Conflict e) {
                if (attempt >= 100) throw new StoreException("gave up on the checkpoint sequence of " + id + ": " + e.getMessage());
            }
        }
        JobInfo dumping;
        switch (started) {
            case TransitionOutcome.Applied a -> dumping = a.job();
            case TransitionOutcome.Rejected r -> { return Answer.refused(Answer.Kind.PRECONDITION, r.reason()); }
            case TransitionOutcome.Missing m -> { return Answer.refused(Answer.Kind.NOT_FOUND, "no such job: " + id); }
        }
        NodeId node = NodeId.of(dumping.getNode());
        DumpJobRequest req = DumpJobRequest.newBuilder().setJob(dumping).setCheckpointId(cid.value())
                .setLeaveRunning(leaveRunning).setClusterId(clusterId).setDurable(sleep).setSealAfterReply(!sleep).build();
        long tAgent = System.nanoTime();
        AgentReply<DumpJobReply> reply = agents.call(node, CRIU_DEADLINE, a -> a.dumpJob(req));
        try {
            if (reply instanceof AgentReply.Answered<DumpJobReply>(DumpJobReply d) && d.getOk()) {
                long tDone = System.nanoTime();
                CheckpointInfo info = complete(d.getCheckpoint(), cid, dumping, leaveRunning, sleep);
                return switch (completed(id, new JobEvent.CheckpointCompleted(cid, leaveRunning, sleep), info, dumping)) {
                    case TransitionOutcome.Applied a -> {
                        long end = System.nanoTime();
                        LOG.info("checkpoint {}: find {} ms, start {} ms, agent {} ms, complete {} ms", cid, ms(tSeq - t0),
                                ms(tAgent - tSeq), ms(tDone - tAgent), ms(end - tDone));
                        yield Answer.ok(info);
                    }
                    case TransitionOutcome.Rejected r -> Answer.refused(Answer.Kind.PRECONDITION, "checkpoint " + cid + " was written, but " + r.reason());
                    case TransitionOutcome.Missing m -> Answer.refused(Answer.Kind.NOT_FOUND, "job " + id + " was removed during its checkpoint");
                };
            }
            String why = switch (reply) {
                case AgentReply.Answered<DumpJobReply>(DumpJobReply d) -> JobLookup.firstLine(d.getError());
                case AgentReply.Unreachable<DumpJobReply>(String u) -> u;
            };
            // A failed dump resumes the process (CRIU unfreezes it); if it died, its agent reports the exit.
            transitions.apply(id, new JobEvent.CheckpointFailed(why, true));
            LOG.info("job {}: checkpoint {} failed: {}", id, cid, why);
            return Answer.refused(Answer.Kind.PRECONDITION, "could not checkpoint job " + id + ": " + why);
        } finally {
            exits.settle(id);
        }
    }

    public Answer<JobInfo> restore(Caller caller, String checkpoint) {
        long t0 = System.nanoTime();
        CheckpointId cid;
        try {
            cid = CheckpointId.parse(checkpoint);
        } catch (IllegalArgumentException e) {
            return Answer.refused(Answer.Kind.INVALID, "invalid checkpoint id '" + JobLookup.shorten(checkpoint) + "': expected JOB.N, as printed by roam checkpoint");
        }
        Optional<CheckpointInfo> ckpt = store.checkpoint(cid);
        if (ckpt.isEmpty() || !Access.mayActOn(caller, ckpt.get().getUid())) {
            return Answer.refused(Answer.Kind.NOT_FOUND, "no such checkpoint: " + cid);
        }
        JobId id = cid.job();
        Answer<Versioned<JobInfo>> found = lookup.find(caller, id.value());
        if (!(found instanceof Answer.Ok<Versioned<JobInfo>>(Versioned<JobInfo> v))) return ((Answer.Refused<Versioned<JobInfo>>) found).as();
        NodeId node = NodeId.of(ckpt.get().getNode());
        long tStart = System.nanoTime();
        JobInfo restoring;
        switch (transitions.apply(id, new JobEvent.RestoreStarted(cid, node), List.of(), v.value())) {
            case TransitionOutcome.Applied a -> restoring = a.job();
            case TransitionOutcome.Rejected r -> { return Answer.refused(Answer.Kind.PRECONDITION, r.reason()); }
            case TransitionOutcome.Missing m -> { return Answer.refused(Answer.Kind.NOT_FOUND, "no such job: " + id); }
        }
        AgentRestoreRequest req = AgentRestoreRequest.newBuilder().setJob(restoring).setCheckpoint(ckpt.get()).setClusterId(clusterId).build();
        long tAgent = System.nanoTime();
        AgentReply<AgentRestoreReply> reply = agents.call(node, CRIU_DEADLINE, a -> a.restoreJob(req));
        try {
            if (reply instanceof AgentReply.Answered<AgentRestoreReply>(AgentRestoreReply d) && d.getOk()) {
                long tDone = System.nanoTime();
                return switch (transitions.apply(id, new JobEvent.Restored(node, d.getHostPid(), d.getHostPidStart()), List.of(), restoring)) {
                    case TransitionOutcome.Applied a -> {
                        LOG.info("restore {}: find {} ms, start {} ms, agent {} ms, complete {} ms", cid, ms(tStart - t0),
                                ms(tAgent - tStart), ms(tDone - tAgent), ms(System.nanoTime() - tDone));
                        yield Answer.ok(a.job());
                    }
                    case TransitionOutcome.Rejected r -> Answer.refused(Answer.Kind.PRECONDITION, r.reason());
                    case TransitionOutcome.Missing m -> Answer.refused(Answer.Kind.NOT_FOUND, "job " + id + " was removed during its restore");
                };
            }
            String why = switch (reply) {
                case AgentReply.Answered<AgentRestoreReply>(AgentRestoreReply d) -> JobLookup.firstLine(d.getError());
                case AgentReply.Unreachable<AgentRestoreReply>(String u) -> u;
            };
            transitions.apply(id, new JobEvent.RestoreFailed(why));
            LOG.info("job {}: restore from {} failed: {}", id, cid, why);
            return Answer.refused(Answer.Kind.PRECONDITION, "could not restore " + cid + ": " + why);
        } finally {
            exits.settle(id);
        }
    }

    /** The caller's checkpoints (root: all), of one job when {@code job} is not empty. */
    public Answer<List<CheckpointInfo>> list(Caller caller, String job) {
        if (!job.isEmpty() && !JobId.isValid(job)) {
            return Answer.refused(Answer.Kind.INVALID, "invalid job name '" + JobLookup.shorten(job) + "'");
        }
        Optional<JobId> filter = job.isEmpty() ? Optional.empty() : Optional.of(JobId.of(job));
        return Answer.ok(store.checkpoints(filter).stream().filter(c -> Access.mayActOn(caller, c.getUid())).toList());
    }

    /** The DeleteJobData side effect of a removal: every checkpoint of the job, its image on its node, and its record. */
    public void deleteAll(JobInfo removed) {
        JobId id = JobId.of(removed.getId());
        for (CheckpointInfo c : store.checkpoints(Optional.of(id))) {
            deleteImage(NodeId.of(c.getNode()), CheckpointId.parse(c.getId()));
            store.deleteCheckpoint(CheckpointId.parse(c.getId()));
        }
        store.deleteCheckpointSequence(id);
    }

    /** Deletes the image directory of {@code checkpoint} on {@code node} (not its record); false when the agent did not answer. */
    public boolean deleteImage(NodeId node, CheckpointId checkpoint) {
        DeleteImageRequest req = DeleteImageRequest.newBuilder().setCheckpoint(checkpoint.value()).build();
        if (agents.call(node, DELETE_DEADLINE, a -> a.deleteImage(req)) instanceof AgentReply.Unreachable<?>(String why)) {
            LOG.warn("checkpoint {}: image on {} not deleted: {}", checkpoint, node, why);
            return false;
        }
        return true;
    }

    /**
     * The state change and the checkpoint's record in one transaction; apart when the record exists already. When the
     * state machine refuses the change (the job was killed meanwhile), the image still exists: its record is kept.
     */
    private TransitionOutcome completed(JobId id, JobEvent.CheckpointCompleted event, CheckpointInfo info, JobInfo known) {
        TransitionOutcome o;
        try {
            o = transitions.apply(id, event, List.of(new Also.CreateCheckpoint(info)), known);
        } catch (Also.Conflict e) {
            store.putCheckpoint(info);
            return transitions.apply(id, event);
        }
        if (o instanceof TransitionOutcome.Rejected) store.putCheckpoint(info);
        return o;
    }

    private static String ms(long nanos) { return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6); }

    private CheckpointInfo complete(CheckpointInfo fromAgent, CheckpointId cid, JobInfo job, boolean leaveRunning, boolean sleep) {
        CheckpointInfo.Builder b = fromAgent.toBuilder().setId(cid.value()).setJob(job.getId()).setUid(job.getSpec().getUid())
                .setLeaveRunning(leaveRunning).setSleep(sleep);
        if (b.getNode().isEmpty()) b.setNode(job.getNode());
        if (b.getCreatedMs() == 0) b.setCreatedMs(clock.getAsLong());
        return b.build();
    }
}
