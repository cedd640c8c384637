package io.roam.coordinator.server;

import static io.roam.coordinator.server.Harness.ALICE;
import static io.roam.coordinator.server.Harness.BOB;
import static io.roam.coordinator.server.Harness.ROOT;
import static io.roam.coordinator.server.Harness.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.roam.proto.CheckpointJobRequest;
import io.roam.proto.JobExitReport;
import io.roam.proto.JobInfo;
import io.roam.proto.JobRef;
import io.roam.proto.JobSpec;
import io.roam.proto.JobState;
import io.roam.proto.KillJobRequest;
import io.roam.proto.ListJobsRequest;
import io.roam.proto.ListNodesRequest;
import io.roam.proto.StartJobReply;
import io.roam.proto.SubmitRequest;
import io.roam.proto.WaitJobRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Submit, list, wait, kill, remove and access control, against a real coordinator, ZooKeeper and TLS. */
class JobsServiceTest {
    @TempDir Path dir;
    Harness h;

    @BeforeEach void start() { h = new Harness(dir); }

    @AfterEach void stop() throws Exception { h.close(); }

    @Test void submittedJobRunsOnTheRegisteredNode() {
        JobInfo j = h.submit(ALICE, "counter", "/bin/sh", "-c", "sleep 60");
        assertThat(j.getId()).isEqualTo("counter");
        assertThat(j.getState()).isEqualTo(JobState.RUNNING);
        assertThat(j.getNode()).isEqualTo("n1");
        assertThat(j.getHostPid()).isPositive();
        assertThat(h.agent.starts).singleElement().satisfies(s -> {
            assertThat(s.getJob().getId()).isEqualTo("counter");
            assertThat(s.getJob().getState()).isEqualTo(JobState.PENDING);
            assertThat(s.getJob().getSpec().getArgvList()).containsExactly("/bin/sh", "-c", "sleep 60");
        });
        assertThat(h.get(ALICE, "counter")).isEqualTo(j.toBuilder().setRssBytes(0).build());
        JobInfo unnamed = h.submit(ALICE, "", "/bin/true");
        assertThat(unnamed.getId()).matches("j[a-z2-9]{6}");
        assertThat(h.stub().listNodes(ListNodesRequest.newBuilder().setCaller(ROOT).build()).getNodesList())
                .singleElement().satisfies(n -> assertThat(n.getState()).isEqualTo("up"));
    }

    @Test void aTakenNameIsRefused() {
        h.submit(ALICE, "web", "/bin/sleep", "60");
        assertRefused(() -> h.submit(ALICE, "web", "/bin/sleep", "60"), Status.Code.ALREADY_EXISTS, "job name web is taken");
        assertThat(h.agent.starts).hasSize(1);
    }

    @Test void aFailedStartLeavesNoJobBehind() {
        h.agent.onStart = r -> StartJobReply.newBuilder().setOk(false).setError("no such command: /nope\nmore detail").build();
        assertRefused(() -> h.submit(ALICE, "broken", "/nope"), Status.Code.FAILED_PRECONDITION, "no such command: /nope");
        assertRefused(() -> h.get(ALICE, "broken"), Status.Code.NOT_FOUND, "no such job: broken");
        assertThat(h.stub().listJobs(ListJobsRequest.newBuilder().setCaller(ROOT).setAll(true).build()).getJobsList()).isEmpty();
        // and the name is free again
        h.agent.onStart = r -> StartJobReply.newBuilder().setOk(true).setHostPid(99).build();
        assertThat(h.submit(ALICE, "broken", "/bin/true").getState()).isEqualTo(JobState.RUNNING);
    }

    @Test void killForwardsTheSignalAndWaitReturnsTheExitCode() throws Exception {
        h.submit(ALICE, "victim", "/bin/sleep", "60");
        CompletableFuture<JobInfo> waited = CompletableFuture.supplyAsync(() -> h.stub().waitJob(
                WaitJobRequest.newBuilder().setCaller(ALICE).setJob("victim").setTimeoutMs(20_000).build()));
        h.stub().killJob(KillJobRequest.newBuilder().setCaller(ALICE).setJob("victim").setSignal(9).build());
        assertThat(h.agent.signals).singleElement().satisfies(s -> {
            assertThat(s.getJob()).isEqualTo("victim");
            assertThat(s.getSignal()).isEqualTo(9);
        });
        JobInfo done = waited.get(20, TimeUnit.SECONDS);
        assertThat(done.getState()).isEqualTo(JobState.EXITED);
        assertThat(done.getHasExitCode()).isTrue();
        assertThat(done.getExitCode()).isEqualTo(137);
        assertRefused(() -> h.stub().killJob(KillJobRequest.newBuilder().setCaller(ALICE).setJob("victim").build()),
                Status.Code.FAILED_PRECONDITION, "job victim is not running: it has already exited (code 137)");
        // finished jobs leave the default listing, and stay in the full one
        assertThat(h.stub().listJobs(ListJobsRequest.newBuilder().setCaller(ALICE).build()).getJobsList()).isEmpty();
        assertThat(h.stub().listJobs(ListJobsRequest.newBuilder().setCaller(ALICE).setAll(true).build()).getJobsList()).hasSize(1);
    }

    @Test void waitWithATimeoutReturnsTheCurrentRecord() {
        h.submit(ALICE, "long", "/bin/sleep", "60");
        long t0 = System.nanoTime();
        JobInfo j = h.stub().waitJob(WaitJobRequest.newBuilder().setCaller(ALICE).setJob("long").setTimeoutMs(300).build());
        assertThat(j.getState()).isEqualTo(JobState.RUNNING);
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
    }

    @Test void anotherUserCannotSeeOrTouchTheJob() {
        h.submit(ALICE, "mine", "/bin/sleep", "60");
        assertRefused(() -> h.get(BOB, "mine"), Status.Code.NOT_FOUND, "no such job: mine");
        assertRefused(() -> h.stub().killJob(KillJobRequest.newBuilder().setCaller(BOB).setJob("mine").setSignal(9).build()),
                Status.Code.NOT_FOUND, "no such job: mine");
        assertRefused(() -> h.stub().checkpointJob(CheckpointJobRequest.newBuilder().setCaller(BOB).setJob("mine").build()),
                Status.Code.NOT_FOUND, "no such job: mine");
        assertRefused(() -> h.stub().removeJob(JobRef.newBuilder().setCaller(BOB).setJob("mine").build()),
                Status.Code.NOT_FOUND, "no such job: mine");
        assertRefused(() -> h.stub().checkJob(JobRef.newBuilder().setCaller(BOB).setJob("mine").build()),
                Status.Code.NOT_FOUND, "no such job: mine");
        assertThat(h.stub().listJobs(ListJobsRequest.newBuilder().setCaller(BOB).setAll(true).build()).getJobsList()).isEmpty();
        assertThat(h.agent.signals).isEmpty();
        assertThat(h.agent.dumps).isEmpty();
        // Bob cannot take the name either, but learns only that it is taken.
        assertRefused(() -> h.submit(BOB, "mine", "/bin/true"), Status.Code.ALREADY_EXISTS, "taken");
        // nor submit as Alice
        assertRefused(() -> h.stub().submit(SubmitRequest.newBuilder().setCaller(BOB).setSpec(Harness.spec(ALICE, "x", "/bin/true")).build()),
                Status.Code.PERMISSION_DENIED, "uid 1001 cannot submit a job to run as uid 1000");
        // root sees and acts on all
        assertThat(h.get(ROOT, "mine").getSpec().getUid()).isEqualTo(1000);
        assertThat(h.stub().listJobs(ListJobsRequest.newBuilder().setCaller(ROOT).build()).getJobsList()).hasSize(1);
        h.stub().killJob(KillJobRequest.newBuilder().setCaller(ROOT).setJob("mine").setSignal(15).build());
        assertThat(h.agent.signals).hasSize(1);
    }

    @Test void malformedRequestsAreRefusedAndTheServerStaysUp() {
        assertRefused(() -> h.stub().submit(SubmitRequest.newBuilder().setCaller(ALICE).setSpec(JobSpec.newBuilder().setUid(1000)).build()),
                Status.Code.INVALID_ARGUMENT, "empty command");
        String huge = "x".repeat(100_000);
        assertRefused(() -> h.submit(ALICE, huge, "/bin/true"), Status.Code.INVALID_ARGUMENT, "invalid job name");
        assertRefused(() -> h.get(ALICE, huge), Status.Code.INVALID_ARGUMENT, "invalid job name");
        assertRefused(() -> h.submit(ALICE, "bad name!", "/bin/true"), Status.Code.INVALID_ARGUMENT, "invalid job name 'bad name!'");
        assertRefused(() -> h.stub().submit(SubmitRequest.newBuilder().setSpec(Harness.spec(ALICE, "", "/bin/true")).build()),
                Status.Code.INVALID_ARGUMENT, "request without a caller");
        assertRefused(() -> h.stub().killJob(KillJobRequest.newBuilder().setCaller(ALICE).setJob("x").setSignal(999).build()),
                Status.Code.INVALID_ARGUMENT, "invalid signal 999");
        assertRefused(() -> h.stub().getJob(JobRef.newBuilder().setCaller(ALICE).setJob("ghost").build()),
                Status.Code.NOT_FOUND, "no such job: ghost");
        assertThat(h.agent.starts).isEmpty();
        assertThat(h.submit(ALICE, "fine", "/bin/true").getState()).isEqualTo(JobState.RUNNING);
    }

    @Test void removeDeletesFinishedJobsOnly() {
        JobInfo j = h.submit(ALICE, "gone", "/bin/true");
        assertRefused(() -> h.stub().removeJob(JobRef.newBuilder().setCaller(ALICE).setJob("gone").build()),
                Status.Code.FAILED_PRECONDITION, "kill it before removing it");
        h.stub().reportJobExit(JobExitReport.newBuilder().setNode("n1").setJob("gone").setHostPid(j.getHostPid()).setExitCode(0).build());
        assertThat(h.get(ALICE, "gone").getState()).isEqualTo(JobState.EXITED);
        assertThat(h.stub().removeJob(JobRef.newBuilder().setCaller(ALICE).setJob("gone").build()).getOk()).isTrue();
        assertRefused(() -> h.get(ALICE, "gone"), Status.Code.NOT_FOUND, "no such job: gone");
    }

    @Test void staleExitReportsAreIgnored() {
        JobInfo j = h.submit(ALICE, "pidcheck", "/bin/sleep", "60");
        var ack = h.stub().reportJobExit(JobExitReport.newBuilder().setNode("n1").setJob("pidcheck").setHostPid(j.getHostPid() + 1).build());
        assertThat(ack.getOk()).isFalse();
        assertThat(h.get(ALICE, "pidcheck").getState()).isEqualTo(JobState.RUNNING);
    }

    @Test void aRestartedAgentThatLostAJobMakesItLost() {
        JobInfo kept = h.submit(ALICE, "kept", "/bin/sleep", "60");
        h.submit(ALICE, "dropped", "/bin/sleep", "60");
        h.register(List.of(kept));
        awaitState("dropped", JobState.LOST);
        assertThat(h.get(ALICE, "kept").getState()).isEqualTo(JobState.RUNNING);
        assertThat(h.get(ALICE, "dropped").getReason()).isEqualTo("the agent on n1 no longer has the process");
    }

    /**
     * A registration's list is as old as its request: one that waited out a cut link lacks the job migrated to the
     * node meanwhile. The coordinator asks the agent again, and the job it holds now is not lost.
     */
    @Test void aJobMissingFromAnOldRegistrationListButHeldNowStaysRunning() throws Exception {
        JobInfo moved = h.submit(ALICE, "moved", "/bin/sleep", "60");
        h.submit(ALICE, "gone", "/bin/sleep", "60");
        h.agent.held = () -> List.of(moved);
        h.registerWithList(List.of());
        awaitState("gone", JobState.LOST);
        assertThat(h.agent.listings).isNotEmpty();
        assertThat(h.get(ALICE, "moved").getState()).isEqualTo(JobState.RUNNING);
        assertThat(h.get(ALICE, "moved").getHostPid()).isEqualTo(moved.getHostPid());
    }

    /** A record that changed while the agent was asked again is not judged by that answer (here: a checkpoint came between). */
    @Test void aJobWhoseRecordChangedMeanwhileIsNotLost() throws Exception {
        h.submit(ALICE, "busy", "/bin/sleep", "60");
        h.submit(ALICE, "gone", "/bin/sleep", "60");
        h.agent.held = () -> {
            h.stub().checkpointJob(CheckpointJobRequest.newBuilder().setCaller(ALICE).setJob("busy").setLeaveRunning(true).build());
            return List.of();
        };
        h.registerWithList(List.of());
        awaitState("gone", JobState.LOST);
        assertThat(h.agent.dumps).hasSize(1);
        assertThat(h.get(ALICE, "busy").getState()).isEqualTo(JobState.RUNNING);
    }

    /** A registration that agrees with the records costs no second question to the agent. */
    @Test void aRegistrationThatAgreesWithTheRecordsIsTakenAsItIs() {
        JobInfo kept = h.submit(ALICE, "kept", "/bin/sleep", "60");
        h.register(List.of(kept));
        assertThat(h.agent.listings).isEmpty();
        assertThat(h.get(ALICE, "kept").getState()).isEqualTo(JobState.RUNNING);
    }

    private void awaitState(String job, JobState state) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (h.get(ALICE, job).getState() != state) {
            assertThat(System.nanoTime()).as("%s %s within 20 s (now %s)", job, state, h.get(ALICE, job).getState()).isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test void checkAsksTheAgentAboutTheRunningProcess() {
        JobInfo j = h.submit(ALICE, "inspect", "/bin/sleep", "60");
        var report = h.stub().checkJob(JobRef.newBuilder().setCaller(ALICE).setJob("inspect").build());
        assertThat(report.getReasonsList()).containsExactly("tty: Found dangling tty");
        assertThat(h.agent.inspections).singleElement().satisfies(r -> assertThat(r.getHostPid()).isEqualTo(j.getHostPid()));
    }
}
