package io.roam.coordinator.migration;

import io.roam.coordinator.agents.AgentClients;
import io.roam.coordinator.agents.AgentReply;
import io.roam.coordinator.jobs.ExitReports;
import io.roam.coordinator.jobs.JobLookup;
import io.roam.coordinator.jobs.JobTransitions;
import io.roam.coordinator.jobs.TransitionOutcome;
import io.roam.coordinator.store.ZkMigrationStore;
import io.roam.core.JobEvent;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.proto.AgentRestoreReply;
import io.roam.proto.AgentRestoreRequest;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.DeleteImageRequest;
import io.roam.proto.JobInfo;
import io.roam.proto.MigrationRecord;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The steps that end a migration, shared by the orchestrator and by recovery: restore, commit, roll back, clean up. */
final class MigrationSteps {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationSteps.class);
    static final Duration CRIU_DEADLINE = Duration.ofMinutes(10);
    private static final Duration DELETE_TRY = Duration.ofSeconds(10);
    private static final Duration DELETE_PATIENCE = Duration.ofMinutes(10);

    /** How a migration ended. */
    sealed interface Ending {
        record Committed(JobInfo job) implements Ending {}
        record RolledBack(JobInfo job, String reason) implements Ending {}
        record Lost(JobInfo job, String reason) implements Ending {}
        record Vanished(String reason) implements Ending {}
    }

    private final io.roam.coordinator.store.ZkJobStore store;
    private final JobTransitions transitions;
    private final ExitReports exits;
    private final AgentClients agents;
    private final ZkMigrationStore migrations;
    private final String clusterId;

    MigrationSteps(io.roam.coordinator.store.ZkJobStore store, JobTransitions transitions, ExitReports exits, AgentClients agents, ZkMigrationStore migrations, String clusterId) {
        this.store = store;
        this.transitions = transitions;
        this.exits = exits;
        this.agents = agents;
        this.migrations = migrations;
        this.clusterId = clusterId;
    }

    /** Restores {@code image} on {@code node}: the reply, or why there is none (one line). */
    AgentReply<AgentRestoreReply> restore(NodeId node, JobInfo job, CheckpointInfo image) {
        AgentRestoreRequest req = AgentRestoreRequest.newBuilder().setJob(job).setCheckpoint(image).setClusterId(clusterId).build();
        return agents.call(node, CRIU_DEADLINE, a -> a.restoreJob(req));
    }

    static String why(AgentReply<AgentRestoreReply> r) {
        return switch (r) {
            case AgentReply.Answered<AgentRestoreReply>(AgentRestoreReply d) -> d.getOk() ? "" : JobLookup.firstLine(d.getError());
            case AgentReply.Unreachable<AgentRestoreReply>(String u) -> u;
        };
    }

    static boolean ok(AgentReply<AgentRestoreReply> r) {
        return r instanceof AgentReply.Answered<AgentRestoreReply>(AgentRestoreReply d) && d.getOk();
    }

    Ending commit(MigrationRecord m, long pid, long pidStart) {
        JobId id = JobId.of(m.getJob());
        Ending e = switch (transitions.apply(id, new JobEvent.MigrationCommitted(NodeId.of(m.getTarget()), pid, pidStart))) {
            case TransitionOutcome.Applied a -> new Ending.Committed(a.job());
            case TransitionOutcome.Rejected r -> new Ending.Vanished(r.reason());
            case TransitionOutcome.Missing x -> new Ending.Vanished("job " + id + " was removed during its migration");
        };
        finish(m, true);
        return e;
    }

    /** Resumes the job on the source from the source's image (the process is gone there); LOST when even that fails. */
    Ending rollBack(MigrationRecord m, String reason) {
        JobId id = JobId.of(m.getJob());
        NodeId source = NodeId.of(m.getSource());
        AgentReply<AgentRestoreReply> r = m.hasImage()
                ? restore(source, currentOr(m), m.getImage())
                : new AgentReply.Unreachable<>("the source's image was never written");
        Ending e;
        if (r instanceof AgentReply.Answered<AgentRestoreReply>(AgentRestoreReply d) && d.getOk()) {
            LOG.info("job {}: migration to {} failed ({}); resumed on {} as pid {}", id, m.getTarget(), reason, source, d.getHostPid());
            e = ended(id, new JobEvent.MigrationAborted(reason, source, d.getHostPid(), d.getHostPidStart()), false);
        } else {
            LOG.error("job {}: migration to {} failed ({}) and the resume on {} failed too: {}", id, m.getTarget(), reason, source, why(r));
            e = ended(id, new JobEvent.MigrationFailed(reason + "; resuming on " + source + " failed: " + why(r)), true);
        }
        finish(m, !(e instanceof Ending.Lost));
        return e;
    }

    /** The process still runs on the source (the dump failed or never happened): back to RUNNING there. */
    Ending stayed(MigrationRecord m, String reason, long pid, long pidStart) {
        Ending e = ended(JobId.of(m.getJob()), new JobEvent.MigrationAborted(reason, NodeId.of(m.getSource()), pid, pidStart), false);
        finish(m, true);
        return e;
    }

    /** No copy of the job can run any more: LOST with the reason; the images go. */
    Ending lost(MigrationRecord m, String reason) {
        Ending e = ended(JobId.of(m.getJob()), new JobEvent.MigrationFailed(reason), true);
        finish(m, true);
        return e;
    }

    /** Post-copy: the job was committed on the target before its pages arrived; now it may go as lost. */
    Ending lostAfterCommit(MigrationRecord m, String reason) {
        Ending e = ended(JobId.of(m.getJob()), new JobEvent.Lost(reason), true);
        finish(m, true);
        return e;
    }

    /** Post-copy, every page arrived: delete both copies of the small images and the record. */
    void finished(MigrationRecord m) { finish(m, true); }

    private Ending ended(JobId id, JobEvent event, boolean lost) {
        return switch (transitions.apply(id, event)) {
            case TransitionOutcome.Applied a -> lost ? new Ending.Lost(a.job(), a.job().getReason())
                    : new Ending.RolledBack(a.job(), a.job().getReason());
            case TransitionOutcome.Rejected r -> new Ending.Vanished(r.reason());
            case TransitionOutcome.Missing x -> new Ending.Vanished("job " + id + " was removed during its migration");
        };
    }

    private JobInfo currentOr(MigrationRecord m) {
        return store.get(JobId.of(m.getJob())).map(v -> v.value()).orElseGet(() -> JobInfo.newBuilder().setId(m.getJob()).build());
    }

    JobInfo current(MigrationRecord m) { return currentOr(m); }

    /** Deletes the migration's images (both nodes; the source's only when the job no longer needs it) and its record. */
    private void finish(MigrationRecord m, boolean deleteSourceImage) {
        JobId id = JobId.of(m.getJob());
        delete(NodeId.of(m.getTarget()), m.getCheckpoint());
        if (deleteSourceImage) delete(NodeId.of(m.getSource()), m.getCheckpoint());
        migrations.delete(id);
        exits.settle(id);
    }

    /**
     * Deletes an image in the background, so that nobody waits for an unreachable node (a cut link would hold
     * {@code roam migrate}'s answer for the whole deadline): tried at once, then again with growing pauses for
     * {@link #DELETE_PATIENCE}, which also removes a copy a node received fully just before its link broke.
     */
    private void delete(NodeId node, String checkpoint) {
        DeleteImageRequest req = DeleteImageRequest.newBuilder().setCheckpoint(checkpoint).build();
        Thread.ofVirtual().name("delete-" + checkpoint + "@" + node).start(() -> {
            long deadline = System.nanoTime() + DELETE_PATIENCE.toNanos();
            long pauseMs = 1_000;
            String why = "";
            while (System.nanoTime() < deadline) {
                if (agents.call(node, DELETE_TRY, a -> a.deleteImage(req)) instanceof AgentReply.Unreachable<?>(String w)) {
                    why = w;
                } else {
                    return;
                }
                try {
                    Thread.sleep(pauseMs);
                } catch (InterruptedException e) {
                    return;
                }
                pauseMs = Math.min(pauseMs * 2, 30_000);
            }
            LOG.warn("migration image {} on {} not deleted within {}: {}", checkpoint, node, DELETE_PATIENCE, why);
        });
    }
}
