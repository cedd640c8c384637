package io.roam.coordinator.server;

import static io.roam.coordinator.server.Harness.ALICE;
import static io.roam.coordinator.server.Harness.BOB;
import static io.roam.coordinator.server.Harness.ROOT;
import static io.roam.coordinator.server.Harness.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.roam.proto.AgentRestoreReply;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.CheckpointJobRequest;
import io.roam.proto.DumpJobReply;
import io.roam.proto.JobExitReport;
import io.roam.proto.JobInfo;
import io.roam.proto.JobRef;
import io.roam.proto.JobState;
import io.roam.proto.ListCheckpointsRequest;
import io.roam.proto.RestoreJobRequest;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint and restore through the coordinator: state machine, records, and the agent calls. */
class CheckpointServiceTest {
    @TempDir Path dir;
    Harness h;

    @BeforeEach void start() { h = new Harness(dir); }

    @AfterEach void stop() throws Exception { h.close(); }

    private CheckpointInfo checkpoint(String job, boolean leaveRunning) {
        return h.stub().checkpointJob(CheckpointJobRequest.newBuilder().setCaller(ALICE).setJob(job).setLeaveRunning(leaveRunning).build());
    }

    private JobInfo restore(String checkpoint) {
        return h.stub().restoreJob(RestoreJobRequest.newBuilder().setCaller(ALICE).setCheckpoint(checkpoint).build());
    }

    @Test void checkpointStopsTheJobAndRegistersTheImage() {
        JobInfo running = h.submit(ALICE, "counter", "/bin/sleep", "60");
        CheckpointInfo c = checkpoint("counter", false);
        assertThat(c.getId()).isEqualTo("counter.1");
        assertThat(c.getNode()).isEqualTo("n1");
        assertThat(c.getUid()).isEqualTo(1000);
        assertThat(c.getSizeBytes()).isEqualTo(4096);
        assertThat(h.agent.dumps).singleElement().satisfies(d -> {
            assertThat(d.getCheckpointId()).isEqualTo("counter.1");
            assertThat(d.getLeaveRunning()).isFalse();
            assertThat(d.getClusterId()).isEqualTo(h.ca.clusterId());
            assertThat(d.getJob().getHostPid()).isEqualTo(running.getHostPid());
            assertThat(d.getJob().getState()).isEqualTo(JobState.CHECKPOINTING);
        });
        JobInfo j = h.get(ALICE, "counter");
        assertThat(j.getState()).isEqualTo(JobState.CHECKPOINTED);
        assertThat(j.getCheckpoint()).isEqualTo("counter.1");
        assertThat(j.getHostPid()).isZero();
        assertThat(h.stub().listCheckpoints(ListCheckpointsRequest.newBuilder().setCaller(ALICE).setJob("counter").build())
                .getCheckpointsList()).containsExactly(c);
        assertRefused(() -> checkpoint("counter", false), Status.Code.FAILED_PRECONDITION, "held by checkpoint counter.1");
    }

    @Test void leaveRunningKeepsTheJobRunningAndANewSequenceEachTime() {
        h.submit(ALICE, "svc", "/bin/sleep", "60");
        assertThat(checkpoint("svc", true).getId()).isEqualTo("svc.1");
        assertThat(checkpoint("svc", true).getId()).isEqualTo("svc.2");
        JobInfo j = h.get(ALICE, "svc");
        assertThat(j.getState()).isEqualTo(JobState.RUNNING);
        assertThat(j.getCheckpoint()).isEqualTo("svc.2");
    }

    @Test void checkpointOfAnExitedJobIsRefused() {
        JobInfo j = h.submit(ALICE, "done", "/bin/true");
        h.stub().reportJobExit(JobExitReport.newBuilder().setNode("n1").setJob("done").setHostPid(j.getHostPid()).setExitCode(3).build());
        assertRefused(() -> checkpoint("done", false), Status.Code.FAILED_PRECONDITION, "job done has already exited (code 3)");
        assertThat(h.agent.dumps).isEmpty();
    }

    @Test void aRefusedDumpKeepsTheJobRunning() {
        h.submit(ALICE, "tty", "/bin/sleep", "60");
        h.agent.onDump = r -> DumpJobReply.newBuilder().setOk(false).setErrorKind("refused")
                .setError("tty: Found dangling tty with sid 42\nsecond line").build();
        assertRefused(() -> checkpoint("tty", false), Status.Code.FAILED_PRECONDITION, "could not checkpoint job tty: tty: Found dangling tty with sid 42");
        JobInfo j = h.get(ALICE, "tty");
        assertThat(j.getState()).isEqualTo(JobState.RUNNING);
        assertThat(j.getReason()).isEqualTo("tty: Found dangling tty with sid 42");
        assertThat(h.stub().listCheckpoints(ListCheckpointsRequest.newBuilder().setCaller(ALICE).build()).getCheckpointsList()).isEmpty();
    }

    @Test void restoreWhileTheJobRunsIsRefused() {
        h.submit(ALICE, "twice", "/bin/sleep", "60");
        CheckpointInfo c = checkpoint("twice", true);
        assertRefused(() -> restore(c.getId()), Status.Code.FAILED_PRECONDITION, "job twice is still running");
        assertThat(h.agent.restores).isEmpty();
    }

    @Test void restoreAfterStopRunsTheSameJobAgain() {
        JobInfo before = h.submit(ALICE, "mover", "/bin/sleep", "60");
        CheckpointInfo c = checkpoint("mover", false);
        JobInfo after = restore(c.getId());
        assertThat(after.getId()).isEqualTo("mover");
        assertThat(after.getState()).isEqualTo(JobState.RUNNING);
        assertThat(after.getNode()).isEqualTo("n1");
        assertThat(after.getHostPid()).isPositive().isNotEqualTo(before.getHostPid());
        assertThat(h.agent.restores).singleElement().satisfies(r -> {
            assertThat(r.getCheckpoint()).isEqualTo(c);
            assertThat(r.getClusterId()).isEqualTo(h.ca.clusterId());
            assertThat(r.getJob().getState()).isEqualTo(JobState.RESTORING);
        });
        assertThat(h.get(ALICE, "mover").getCreatedMs()).isEqualTo(before.getCreatedMs());
    }

    @Test void aFailedRestoreKeepsTheCheckpoint() {
        h.submit(ALICE, "fragile", "/bin/sleep", "60");
        CheckpointInfo c = checkpoint("fragile", false);
        h.agent.onRestore = r -> AgentRestoreReply.newBuilder().setOk(false).setError("manifest: image from another cluster").build();
        assertRefused(() -> restore(c.getId()), Status.Code.FAILED_PRECONDITION, "could not restore fragile.1: manifest: image from another cluster");
        JobInfo j = h.get(ALICE, "fragile");
        assertThat(j.getState()).isEqualTo(JobState.CHECKPOINTED);
        assertThat(j.getReason()).contains("manifest: image from another cluster");
        assertThat(h.agent.deletes).isEmpty();
        h.agent.onRestore = r -> AgentRestoreReply.newBuilder().setOk(true).setHostPid(5555).build();
        assertThat(restore(c.getId()).getHostPid()).isEqualTo(5555);
    }

    @Test void unknownAndForeignCheckpointsAreNotFound() {
        h.submit(ALICE, "private", "/bin/sleep", "60");
        CheckpointInfo c = checkpoint("private", false);
        assertRefused(() -> restore("private.9"), Status.Code.NOT_FOUND, "no such checkpoint: private.9");
        assertRefused(() -> restore("not a checkpoint"), Status.Code.INVALID_ARGUMENT, "invalid checkpoint id");
        assertRefused(() -> h.stub().restoreJob(RestoreJobRequest.newBuilder().setCaller(BOB).setCheckpoint(c.getId()).build()),
                Status.Code.NOT_FOUND, "no such checkpoint: private.1");
        assertThat(h.stub().listCheckpoints(ListCheckpointsRequest.newBuilder().setCaller(BOB).build()).getCheckpointsList()).isEmpty();
        assertThat(h.stub().listCheckpoints(ListCheckpointsRequest.newBuilder().setCaller(ROOT).build()).getCheckpointsList()).hasSize(1);
        assertThat(h.agent.restores).isEmpty();
    }

    @Test void removingACheckpointedJobDeletesItsImages() {
        h.submit(ALICE, "tidy", "/bin/sleep", "60");
        checkpoint("tidy", true);
        checkpoint("tidy", false);
        assertThat(h.stub().removeJob(JobRef.newBuilder().setCaller(ALICE).setJob("tidy").build()).getOk()).isTrue();
        assertThat(h.agent.deletes).extracting(d -> d.getCheckpoint()).containsExactlyInAnyOrder("tidy.1", "tidy.2");
        assertThat(h.stub().listCheckpoints(ListCheckpointsRequest.newBuilder().setCaller(ROOT).build()).getCheckpointsList()).isEmpty();
        assertRefused(() -> h.get(ALICE, "tidy"), Status.Code.NOT_FOUND, "no such job: tidy");
        // the name starts afresh
        h.submit(ALICE, "tidy", "/bin/sleep", "60");
        assertThat(checkpoint("tidy", true).getId()).isEqualTo("tidy.1");
    }

    @Test void anExitReportedDuringADumpIsAppliedAfterIt() {
        JobInfo j = h.submit(ALICE, "racer", "/bin/sleep", "60");
        Function<io.roam.proto.DumpJobRequest, DumpJobReply> normal = h.agent.onDump;
        h.agent.onDump = r -> {
            // the process exits while CRIU copies it with --leave-running
            var ack = h.stub().reportJobExit(JobExitReport.newBuilder().setNode("n1").setJob("racer").setHostPid(j.getHostPid()).setExitCode(7).build());
            assertThat(ack.getOk()).isTrue();
            return normal.apply(r);
        };
        checkpoint("racer", true);
        JobInfo after = h.get(ALICE, "racer");
        assertThat(after.getState()).isEqualTo(JobState.EXITED);
        assertThat(after.getExitCode()).isEqualTo(7);
        assertThat(after.getCheckpoint()).isEqualTo("racer.1");
    }
}
