package io.roam.core;

import io.roam.core.JobEvent.CheckpointCompleted;
import io.roam.core.JobEvent.CheckpointFailed;
import io.roam.core.JobEvent.CheckpointStarted;
import io.roam.core.JobEvent.Exited;
import io.roam.core.JobEvent.Lost;
import io.roam.core.JobEvent.MigrationAborted;
import io.roam.core.JobEvent.MigrationCommitted;
import io.roam.core.JobEvent.MigrationFailed;
import io.roam.core.JobEvent.MigrationStarted;
import io.roam.core.JobEvent.NodeDied;
import io.roam.core.JobEvent.Removed;
import io.roam.core.JobEvent.RestoreFailed;
import io.roam.core.JobEvent.RestoreStarted;
import io.roam.core.JobEvent.Restored;
import io.roam.core.JobEvent.StartFailed;
import io.roam.core.JobEvent.Started;
import io.roam.core.SideEffect.DeleteJobData;
import io.roam.core.SideEffect.NotifyWaiters;
import java.util.List;

/**
 * The job state machine: pure, no I/O, time passed in. Every change to a job record goes through {@link #apply}.
 *
 * <pre>
 * PENDING ──Started──► RUNNING ──CheckpointStarted──► CHECKPOINTING ──CheckpointCompleted(leaveRunning)──► RUNNING
 *    │                  │  ▲                              │      └──CheckpointCompleted──► CHECKPOINTED
 *    └─StartFailed─► FAILED │                              └──CheckpointFailed(alive)──► RUNNING  (not alive: LOST)
 *                       │  └──Restored── RESTORING ◄──RestoreStarted── CHECKPOINTED ◄──RestoreFailed──┘
 *                       └──Exited──► EXITED        Lost: any non-terminal state ──► LOST
 * RUNNING, CHECKPOINTING ──NodeDied(kept image)──► CHECKPOINTED  (then restored from that image elsewhere)
 * RUNNING ──MigrationStarted──► MIGRATING ──MigrationCommitted──► RUNNING (on the target)
 *                                   ├──MigrationAborted──► RUNNING (on the source again, new pid)
 *                                   └──MigrationFailed──► LOST
 * </pre>
 */
public final class JobStateMachine {
    private JobStateMachine() {}

    public static Transition apply(JobRecord r, JobEvent e, long nowMs) {
        JobState s = r.state();
        return switch (e) {
            case Started st -> s == JobState.PENDING
                    ? ok(r.withProcess(st.node(), st.hostPid(), st.hostPidStart()).withState(JobState.RUNNING, nowMs))
                    : refuse(r, "start");
            case StartFailed f -> s == JobState.PENDING
                    ? ok(r.withReason(f.reason()).withState(JobState.FAILED, nowMs))
                    : refuse(r, "fail its start");
            case CheckpointStarted c -> switch (s) {
                case RUNNING -> ok(r.withState(JobState.CHECKPOINTING, nowMs));
                case CHECKPOINTING -> new Transition.Refused("job " + r.id() + " is already being checkpointed");
                case MIGRATING -> new Transition.Refused("job " + r.id() + " is being migrated: checkpoint it once it runs again");
                case EXITED -> new Transition.Refused("job " + r.id() + " has already exited (code "
                        + r.exitCode().map(String::valueOf).orElse("?") + "): nothing to checkpoint");
                case CHECKPOINTED -> new Transition.Refused("job " + r.id() + " is not running: it is held by checkpoint "
                        + r.checkpoint().map(CheckpointId::value).orElse("?"));
                case PENDING, RESTORING, FAILED, LOST -> new Transition.Refused("job " + r.id() + " is " + name(s) + ": nothing to checkpoint");
            };
            case CheckpointCompleted c -> s == JobState.CHECKPOINTING
                    ? c.leaveRunning()
                        ? ok(r.withCheckpoint(c.checkpoint()).withReason("").withState(JobState.RUNNING, nowMs))
                        : ok(r.withCheckpoint(c.checkpoint()).withoutProcess().withAsleep(c.sleep()).withReason("")
                              .withState(JobState.CHECKPOINTED, nowMs))
                    : refuse(r, "complete a checkpoint");
            case CheckpointFailed f -> s == JobState.CHECKPOINTING
                    ? f.processAlive()
                        ? ok(r.withReason(f.reason()).withState(JobState.RUNNING, nowMs))
                        : ok(r.withoutProcess().withReason("checkpoint failed and the process is gone: " + f.reason())
                              .withState(JobState.LOST, nowMs))
                    : refuse(r, "fail a checkpoint");
            case RestoreStarted rs -> switch (s) {
                case CHECKPOINTED -> ok(r.withCheckpoint(rs.checkpoint()).withState(JobState.RESTORING, nowMs));
                case RUNNING, CHECKPOINTING, MIGRATING -> new Transition.Refused("job " + r.id() + " is still running (pid " + r.hostPid()
                        + " on " + r.node().map(NodeId::value).orElse("?") + "): stop it before restoring " + rs.checkpoint());
                case EXITED, FAILED, LOST -> ok(r.withCheckpoint(rs.checkpoint()).withReason("").withState(JobState.RESTORING, nowMs));
                case RESTORING -> new Transition.Refused("job " + r.id() + " is already being restored");
                case PENDING -> new Transition.Refused("job " + r.id() + " has not started yet");
            };
            case Restored rd -> s == JobState.RESTORING
                    ? ok(r.withProcess(rd.node(), rd.hostPid(), rd.hostPidStart()).withAsleep(false).withReason("")
                          .withExitCleared().withState(JobState.RUNNING, nowMs))
                    : refuse(r, "complete a restore");
            case RestoreFailed f -> s == JobState.RESTORING
                    ? ok(r.withReason("restore failed: " + f.reason()).withState(JobState.CHECKPOINTED, nowMs))
                    : refuse(r, "fail a restore");
            case Exited x -> s.live()
                    ? ok(r.withoutProcess().withExit(x.exitCode()).withState(JobState.EXITED, nowMs))
                    : refuse(r, "exit");
            case Lost l -> s.terminal()
                    ? refuse(r, "be lost")
                    : ok(r.withoutProcess().withReason(l.reason()).withState(JobState.LOST, nowMs));
            case MigrationStarted m -> migrationStarted(r, m, nowMs);
            case MigrationCommitted c -> s == JobState.MIGRATING
                    ? ok(r.withProcess(c.node(), c.hostPid(), c.hostPidStart()).withReason("").withState(JobState.RUNNING, nowMs))
                    : refuse(r, "commit a migration");
            case MigrationAborted a -> s == JobState.MIGRATING
                    ? ok(r.withProcess(a.node(), a.hostPid(), a.hostPidStart()).withReason("migration failed: " + a.reason())
                          .withState(JobState.RUNNING, nowMs))
                    : refuse(r, "abort a migration");
            case MigrationFailed f -> s == JobState.MIGRATING
                    ? ok(r.withoutProcess().withReason("migration failed and the job could not be resumed: " + f.reason())
                          .withState(JobState.LOST, nowMs))
                    : refuse(r, "fail a migration");
            case NodeDied d -> (s == JobState.RUNNING || s == JobState.CHECKPOINTING) && r.node().filter(d.node()::equals).isPresent()
                    ? ok(r.withCheckpoint(d.restartFrom()).withoutProcess().withReason(d.reason()).withState(JobState.CHECKPOINTED, nowMs))
                    : refuse(r, "lose its node " + d.node());
            case Removed rm -> s.terminal() || s == JobState.CHECKPOINTED
                    ? new Transition.Accepted(r, List.of(new DeleteJobData(r.id()), new NotifyWaiters(r.id())))
                    : new Transition.Refused("job " + r.id() + " is " + name(s) + ": kill it before removing it");
        };
    }

    private static Transition migrationStarted(JobRecord r, JobEvent.MigrationStarted m, long nowMs) {
        String id = "job " + r.id();
        return switch (r.state()) {
            case RUNNING -> r.node().filter(m.to()::equals).isPresent()
                    ? new Transition.Refused(id + " already runs on " + m.to() + ": pick another node")
                    : ok(r.withReason("migrating to " + m.to() + " (image " + m.image() + ")").withState(JobState.MIGRATING, nowMs));
            case MIGRATING -> new Transition.Refused(id + " is already being migrated");
            case CHECKPOINTING -> new Transition.Refused(id + " is being checkpointed: migrate it once that is done");
            case CHECKPOINTED -> new Transition.Refused(id + " is not running: it is held by checkpoint "
                    + r.checkpoint().map(CheckpointId::value).orElse("?") + "; restore it first");
            case PENDING, RESTORING, EXITED, FAILED, LOST -> new Transition.Refused(id + " is " + name(r.state()) + ": nothing to migrate");
        };
    }

    private static Transition ok(JobRecord next) {
        return new Transition.Accepted(next, List.of(new NotifyWaiters(next.id())));
    }

    private static Transition refuse(JobRecord r, String what) {
        return new Transition.Refused("job " + r.id() + " is " + name(r.state()) + ": cannot " + what);
    }

    static String name(JobState s) { return s.name().toLowerCase(java.util.Locale.ROOT); }
}
