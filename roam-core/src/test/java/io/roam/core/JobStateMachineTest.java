package io.roam.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Walks every (state, event) pair against an expectations table, as Aurora does for its task state machine. */
class JobStateMachineTest {
    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final CheckpointId CK = CheckpointId.parse("job1.1");

    private static final Map<String, JobEvent> EVENTS = new LinkedHashMap<>();
    static {
        EVENTS.put("Started", new JobEvent.Started(N1, 42, 7));
        EVENTS.put("StartFailed", new JobEvent.StartFailed("no such command"));
        EVENTS.put("CheckpointStarted", new JobEvent.CheckpointStarted(CK, false));
        EVENTS.put("CheckpointCompleted", new JobEvent.CheckpointCompleted(CK, false, false));
        EVENTS.put("CheckpointCompletedLeaveRunning", new JobEvent.CheckpointCompleted(CK, true, false));
        EVENTS.put("CheckpointFailedAlive", new JobEvent.CheckpointFailed("device", true));
        EVENTS.put("CheckpointFailedDead", new JobEvent.CheckpointFailed("crash", false));
        EVENTS.put("RestoreStarted", new JobEvent.RestoreStarted(CK, N1));
        EVENTS.put("Restored", new JobEvent.Restored(N1, 43, 8));
        EVENTS.put("RestoreFailed", new JobEvent.RestoreFailed("bad image"));
        EVENTS.put("Exited", new JobEvent.Exited(3));
        EVENTS.put("Lost", new JobEvent.Lost("node died"));
        EVENTS.put("Removed", new JobEvent.Removed());
        EVENTS.put("MigrationStarted", new JobEvent.MigrationStarted(N2, CK));
        EVENTS.put("MigrationStartedToItsOwnNode", new JobEvent.MigrationStarted(N1, CK));
        EVENTS.put("MigrationCommitted", new JobEvent.MigrationCommitted(N2, 77, 9));
        EVENTS.put("MigrationAborted", new JobEvent.MigrationAborted("target died", N1, 78, 10));
        EVENTS.put("MigrationFailed", new JobEvent.MigrationFailed("source image unreadable"));
        EVENTS.put("NodeDied", new JobEvent.NodeDied(N1, CK, "n1 died"));
        EVENTS.put("OtherNodeDied", new JobEvent.NodeDied(N2, CK, "n2 died"));
    }

    /** Expected state after each event, per starting state; null = refused. "same" = accepted, state unchanged. */
    private static final Map<JobState, Map<String, JobState>> TABLE = new EnumMap<>(JobState.class);
    private static void row(JobState from, Object... pairs) {
        Map<String, JobState> m = new LinkedHashMap<>();
        for (String ev : EVENTS.keySet()) m.put(ev, null);
        for (int i = 0; i < pairs.length; i += 2) m.put((String) pairs[i], (JobState) pairs[i + 1]);
        TABLE.put(from, m);
    }
    static {
        row(JobState.PENDING, "Started", JobState.RUNNING, "StartFailed", JobState.FAILED, "Lost", JobState.LOST);
        row(JobState.RUNNING, "CheckpointStarted", JobState.CHECKPOINTING, "Exited", JobState.EXITED, "Lost", JobState.LOST,
                "MigrationStarted", JobState.MIGRATING, "NodeDied", JobState.CHECKPOINTED);
        row(JobState.MIGRATING, "MigrationCommitted", JobState.RUNNING, "MigrationAborted", JobState.RUNNING,
                "MigrationFailed", JobState.LOST, "Exited", JobState.EXITED, "Lost", JobState.LOST);
        row(JobState.CHECKPOINTING, "CheckpointCompleted", JobState.CHECKPOINTED, "CheckpointCompletedLeaveRunning", JobState.RUNNING,
                "CheckpointFailedAlive", JobState.RUNNING, "CheckpointFailedDead", JobState.LOST, "Exited", JobState.EXITED,
                "Lost", JobState.LOST, "NodeDied", JobState.CHECKPOINTED);
        row(JobState.CHECKPOINTED, "RestoreStarted", JobState.RESTORING, "Lost", JobState.LOST, "Removed", JobState.CHECKPOINTED);
        row(JobState.RESTORING, "Restored", JobState.RUNNING, "RestoreFailed", JobState.CHECKPOINTED, "Lost", JobState.LOST);
        row(JobState.EXITED, "RestoreStarted", JobState.RESTORING, "Removed", JobState.EXITED);
        row(JobState.FAILED, "RestoreStarted", JobState.RESTORING, "Removed", JobState.FAILED);
        row(JobState.LOST, "RestoreStarted", JobState.RESTORING, "Removed", JobState.LOST);
    }

    private static JobRecord recordIn(JobState s) {
        return new JobRecord(JobId.of("job1"), 1000, s, Optional.of(N1), s.live() ? 42 : 0, s.live() ? 7 : 0,
                s == JobState.CHECKPOINTED ? Optional.of(CK) : Optional.empty(),
                s == JobState.EXITED ? Optional.of(0) : Optional.empty(), "", false, 1000, 1000);
    }

    @Test
    void everyStateAndEventPairMatchesTheTable() {
        assertThat(TABLE.keySet()).containsExactlyInAnyOrder(JobState.values());
        for (JobState from : JobState.values()) {
            for (var ev : EVENTS.entrySet()) {
                Transition t = JobStateMachine.apply(recordIn(from), ev.getValue(), 5000);
                JobState expected = TABLE.get(from).get(ev.getKey());
                String where = from + " + " + ev.getKey();
                if (expected == null) {
                    assertThat(t).as(where).isInstanceOf(Transition.Refused.class);
                    assertThat(((Transition.Refused) t).reason()).as(where).contains("job1");
                } else {
                    assertThat(t).as(where).isInstanceOf(Transition.Accepted.class);
                    assertThat(((Transition.Accepted) t).record().state()).as(where).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void restoreRefusedWhileTheOriginalRuns() {
        var t = JobStateMachine.apply(recordIn(JobState.RUNNING), new JobEvent.RestoreStarted(CK, N1), 1);
        assertThat(((Transition.Refused) t).reason()).contains("still running").contains("pid 42");
    }

    @Test
    void checkpointOfAnExitedJobSaysSo() {
        var t = JobStateMachine.apply(recordIn(JobState.EXITED), new JobEvent.CheckpointStarted(CK, false), 1);
        assertThat(((Transition.Refused) t).reason()).contains("already exited");
    }

    @Test
    void completedCheckpointHoldsTheJobAndDropsItsProcess() {
        var cp = (Transition.Accepted) JobStateMachine.apply(recordIn(JobState.CHECKPOINTING), new JobEvent.CheckpointCompleted(CK, false, true), 9);
        assertThat(cp.record().checkpoint()).contains(CK);
        assertThat(cp.record().hostPid()).isZero();
        assertThat(cp.record().asleep()).isTrue();
        assertThat(cp.record().stateSinceMs()).isEqualTo(9);
        var restored = (Transition.Accepted) JobStateMachine.apply(
                ((Transition.Accepted) JobStateMachine.apply(cp.record(), new JobEvent.RestoreStarted(CK, N1), 10)).record(),
                new JobEvent.Restored(N1, 99, 5), 11);
        assertThat(restored.record().state()).isEqualTo(JobState.RUNNING);
        assertThat(restored.record().hostPid()).isEqualTo(99);
        assertThat(restored.record().asleep()).isFalse();
    }

    @Test
    void exitCodeIsKeptAndClearedOnRestore() {
        var ex = (Transition.Accepted) JobStateMachine.apply(recordIn(JobState.RUNNING), new JobEvent.Exited(137), 3);
        assertThat(ex.record().exitCode()).contains(137);
        var rs = (Transition.Accepted) JobStateMachine.apply(ex.record(), new JobEvent.RestoreStarted(CK, N1), 4);
        var rd = (Transition.Accepted) JobStateMachine.apply(rs.record(), new JobEvent.Restored(N1, 5, 6), 5);
        assertThat(rd.record().exitCode()).isEmpty();
    }

    @Test
    void migrationCommitMovesTheProcessAndAbortKeepsItOnTheSource() {
        var started = (Transition.Accepted) JobStateMachine.apply(recordIn(JobState.RUNNING), new JobEvent.MigrationStarted(N2, CK), 1);
        assertThat(started.record().node()).contains(N1);
        assertThat(started.record().hostPid()).isEqualTo(42);
        assertThat(started.record().reason()).contains("migrating to n2");
        var committed = (Transition.Accepted) JobStateMachine.apply(started.record(), new JobEvent.MigrationCommitted(N2, 77, 9), 2);
        assertThat(committed.record().node()).contains(N2);
        assertThat(committed.record().hostPid()).isEqualTo(77);
        assertThat(committed.record().hostPidStart()).isEqualTo(9);
        assertThat(committed.record().reason()).isEmpty();
        var aborted = (Transition.Accepted) JobStateMachine.apply(started.record(), new JobEvent.MigrationAborted("cut", N1, 78, 10), 2);
        assertThat(aborted.record().node()).contains(N1);
        assertThat(aborted.record().hostPid()).isEqualTo(78);
        assertThat(aborted.record().reason()).isEqualTo("migration failed: cut");
        var failed = (Transition.Accepted) JobStateMachine.apply(started.record(), new JobEvent.MigrationFailed("disk gone"), 2);
        assertThat(failed.record().hostPid()).isZero();
        assertThat(failed.record().reason()).contains("could not be resumed").contains("disk gone");
    }

    @Test
    void migrationRefusalsExplainThemselves() {
        assertThat(((Transition.Refused) JobStateMachine.apply(recordIn(JobState.RUNNING), new JobEvent.MigrationStarted(N1, CK), 1))
                .reason()).contains("already runs on n1");
        assertThat(((Transition.Refused) JobStateMachine.apply(recordIn(JobState.MIGRATING), new JobEvent.CheckpointStarted(CK, false), 1))
                .reason()).contains("being migrated");
        assertThat(((Transition.Refused) JobStateMachine.apply(recordIn(JobState.MIGRATING), new JobEvent.Removed(), 1))
                .reason()).contains("kill it");
    }

    @Test
    void idsValidate() {
        assertThat(JobId.isValid("counter-1")).isTrue();
        assertThat(JobId.isValid("../etc")).isFalse();
        assertThat(JobId.random().value()).matches("j[a-z2-9]{6}");
        assertThat(CheckpointId.parse("counter-1.12").job()).isEqualTo(JobId.of("counter-1"));
        assertThat(CheckpointId.parse("counter-1.12").sequence()).isEqualTo(12);
    }
}
