package io.roam.coordinator.migration;

import io.roam.coordinator.migration.MigrationSteps.Ending;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.coordinator.store.ZkMigrationStore;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.JobInfo;
import io.roam.proto.JobState;
import io.roam.proto.MigrationRecord;
import io.roam.proto.ProbeReply;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start-up, ends every migration a previous coordinator left behind (jobs in MIGRATING), deciding from facts the
 * agents report: the target runs the job → commit; the source still runs it → it stays there; otherwise the
 * source's image resumes it on the source; otherwise the target's verified image resumes it on the target;
 * otherwise the job is lost, with the reason. Waits while an agent is still dumping or restoring the job. Then, for
 * every post-copy whose job already runs on its target but whose pages were still moving, waits for the page phase
 * and ends it as the previous coordinator would have ({@link LiveMigration#settle}).
 */
final class MigrationRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationRecovery.class);
    private static final Duration PATIENCE = Duration.ofMinutes(3);

    private final ZkJobStore store;
    private final ZkMigrationStore migrations;
    private final TransferClients transfers;
    private final MigrationSteps steps;
    private final LiveMigration live;

    MigrationRecovery(ZkJobStore store, ZkMigrationStore migrations, TransferClients transfers, MigrationSteps steps, LiveMigration live) {
        this.live = live;
        this.store = store;
        this.migrations = migrations;
        this.transfers = transfers;
        this.steps = steps;
    }

    /** Runs in the background: recovery must not delay the coordinator's start. */
    void startInBackground() {
        Thread.ofVirtual().name("migration-recovery").start(() -> {
            try {
                recoverAll();
            } catch (RuntimeException e) {
                LOG.error("migration recovery failed", e);
            }
        });
    }

    void recoverAll() {
        for (JobInfo j : store.list()) {
            if (j.getState() != JobState.MIGRATING) continue;
            JobId id = JobId.of(j.getId());
            MigrationRecord m = migrations.get(id).orElseGet(() -> MigrationRecord.newBuilder().setJob(id.value())
                    .setSource(j.getNode()).setTarget(j.getNode()).setPhase("unknown").build());
            LOG.info("job {}: recovering an interrupted migration {} -> {} (phase {})", id, m.getSource(), m.getTarget(), m.getPhase());
            Ending e = recover(m, j);
            LOG.info("job {}: interrupted migration ended: {}", id, e);
        }
        // post-copy page phases the previous coordinator was waiting for (their jobs already run on the target)
        for (MigrationRecord m : migrations.all()) {
            if (!"live".equals(m.getMode()) || !"pages".equals(m.getPhase())) continue;
            var j = store.get(JobId.of(m.getJob()));
            if (j.isPresent() && j.get().value().getState() == JobState.MIGRATING) continue;   // ended above
            LOG.info("job {}: waiting for the page phase of its live migration {} -> {} (left by the previous coordinator)", m.getJob(),
                    m.getSource(), m.getTarget());
            Thread.ofVirtual().name("live-settle-" + m.getJob()).start(() -> {
                try {
                    LOG.info("job {}: page phase ended: {}", m.getJob(), live.settle(m));
                } catch (RuntimeException e) {
                    LOG.error("job {}: cannot settle the page phase of its live migration", m.getJob(), e);
                }
            });
        }
    }

    private Ending recover(MigrationRecord m, JobInfo j) {
        NodeId source = NodeId.of(m.getSource()), target = NodeId.of(m.getTarget());
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Optional<ProbeReply> src = transfers.probe(source, m.getJob(), m.getCheckpoint());
            Optional<ProbeReply> dst = source.equals(target) ? Optional.empty() : transfers.probe(target, m.getJob(), m.getCheckpoint());
            boolean busy = src.map(ProbeReply::getBusy).orElse(false) || dst.map(ProbeReply::getBusy).orElse(false);
            boolean unanswered = src.isEmpty() || (!source.equals(target) && dst.isEmpty());
            if ((busy || unanswered) && System.nanoTime() < deadline) {
                sleep();
                continue;
            }
            if (dst.isPresent() && dst.get().getHoldsJob() && dst.get().getAlive()) {
                return steps.commit(m, dst.get().getHostPid(), dst.get().getHostPidStart());
            }
            if ("live".equals(m.getMode())) {
                // The source's criu may still hold the frozen tree: ask it to let go; the tree runs on with its pid.
                String job = m.getJob();
                var a = transfers.live(source, Duration.ofSeconds(30),
                        s -> s.abort(io.roam.proto.LiveAbortRequest.newBuilder().setJob(job).build()));
                if (a instanceof io.roam.coordinator.agents.AgentReply.Answered<io.roam.proto.LiveAbortReply>(var r) && r.getOk()) {
                    return steps.stayed(m, "the coordinator restarted during the live migration", r.getHostPid(), r.getHostPidStart());
                }
                // A post-copy image holds no memory pages: restoring it would bring the job back with zeroed memory.
                return steps.lost(m, "the coordinator restarted during a live migration before the job resumed on " + target
                        + ", and " + source + " no longer runs it");
            }
            if (src.isPresent() && src.get().getHoldsJob() && src.get().getAlive()) {
                return steps.stayed(m, "the coordinator restarted during the migration", src.get().getHostPid(), src.get().getHostPidStart());
            }
            // The dump may have finished after the coordinator died (phase "started": the transfer ran next to the dump,
            // so a kill during the transfer can land before "dumped" was recorded): the checkpoint id names the image.
            CheckpointInfo image = m.hasImage() ? m.getImage()
                    : CheckpointInfo.newBuilder().setId(m.getCheckpoint()).setJob(m.getJob()).setNode(source.value()).build();
            boolean known = m.hasImage() || !m.getCheckpoint().isEmpty();
            if (src.isPresent() && src.get().getImageValid() && known) {
                return steps.rollBack(m.toBuilder().setImage(image.toBuilder().setPath(src.get().getImagePath())).build(),
                        "the coordinator restarted during the migration");
            }
            if (dst.isPresent() && dst.get().getImageValid() && known) {
                m = m.toBuilder().setImage(image).build();
                var there = image.toBuilder().setNode(target.value()).setPath(dst.get().getImagePath()).build();
                var r = steps.restore(target, steps.current(m), there);
                if (MigrationSteps.ok(r)) {
                    var d = ((io.roam.coordinator.agents.AgentReply.Answered<io.roam.proto.AgentRestoreReply>) r).value();
                    return steps.commit(m, d.getHostPid(), d.getHostPidStart());
                }
            }
            String why = "the coordinator restarted during the migration and no copy of the job could be found"
                    + (src.isEmpty() ? " (the agent on " + source + " does not answer)" : "")
                    + (src.map(p -> p.getImagePresent() && !p.getImageValid()).orElse(false) ? " (the image on " + source
                    + " is damaged: " + src.get().getImageError() + ")" : "");
            return steps.rollBack(m.toBuilder().clearImage().build(), why);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during migration recovery", e);
        }
    }
}
