package io.roam.coordinator.server;

import static io.roam.coordinator.server.Harness.ALICE;
import static io.roam.coordinator.server.Harness.BOB;
import static io.roam.coordinator.server.Harness.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

import io.roam.proto.DumpJobReply;
import io.roam.proto.JobInfo;
import io.roam.proto.JobState;
import io.roam.proto.ListJobsRequest;
import io.roam.proto.NodeRef;
import io.roam.proto.SleepWakeReply;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** roam sleep / roam wake, with the coordinator restarted in between: the records live in the embedded ZooKeeper. */
class SleepWakeRestartTest {
    @TempDir Path dir;

    @Test void sleepAndWakeAcrossCoordinatorRestartsLoseNoJob() throws Exception {
        try (Harness h = new Harness(dir)) {
            JobInfo a = h.submit(ALICE, "alpha", "/bin/sleep", "600");
            JobInfo b = h.submit(BOB, "beta", "/bin/sleep", "600");
            h.restartCoordinator();

            // Alice puts only her own jobs to sleep.
            SleepWakeReply alices = h.stub().sleepNode(NodeRef.newBuilder().setCaller(ALICE).setNode("n1").build());
            assertThat(alices.getLinesList()).containsExactly("checkpointed alpha as alpha.1");
            assertThat(h.get(BOB, "beta").getState()).isEqualTo(JobState.RUNNING);

            h.agent.onDump = r -> DumpJobReply.newBuilder().setOk(false).setError("criu: interrupted").build();
            SleepWakeReply failed = h.stub().sleepNode(NodeRef.newBuilder().setCaller(ROOT).setNode("n1").build());
            assertThat(failed.getFailed()).isEqualTo(1);
            assertThat(failed.getLinesList()).containsExactly("could not checkpoint beta: could not checkpoint job beta: criu: interrupted");
            h.agent.onDump = r -> DumpJobReply.newBuilder().setOk(true).build();
            SleepWakeReply slept = h.stub().sleepNode(NodeRef.newBuilder().setCaller(ROOT).setNode("").build());
            assertThat(slept.getLinesList()).containsExactly("checkpointed beta as beta.2");
            assertThat(slept.getFailed()).isZero();

            // The machine reboots: a new coordinator, and an agent that holds no process any more.
            h.restartCoordinator();
            h.register(List.of());
            for (String job : List.of("alpha", "beta")) {
                JobInfo j = h.get(ROOT, job);
                assertThat(j.getState()).isEqualTo(JobState.CHECKPOINTED);
                assertThat(j.getAsleep()).isTrue();
            }
            SleepWakeReply woke = h.stub().wakeNode(NodeRef.newBuilder().setCaller(ROOT).setNode("n1").build());
            assertThat(woke.getLinesList()).containsExactlyInAnyOrder("restored alpha from alpha.1 on n1", "restored beta from beta.2 on n1");
            assertThat(woke.getFailed()).isZero();
            List<JobInfo> jobs = h.stub().listJobs(ListJobsRequest.newBuilder().setCaller(ROOT).setAll(true).build()).getJobsList();
            assertThat(jobs).extracting(JobInfo::getId).containsExactly("alpha", "beta");
            assertThat(jobs).allSatisfy(j -> {
                assertThat(j.getState()).isEqualTo(JobState.RUNNING);
                assertThat(j.getAsleep()).isFalse();
            });
            assertThat(jobs.get(0).getCreatedMs()).isEqualTo(a.getCreatedMs());
            assertThat(jobs.get(1).getSpec()).isEqualTo(b.getSpec());
            assertThat(h.stub().wakeNode(NodeRef.newBuilder().setCaller(ROOT).setNode("n1").build()).getLinesList())
                    .containsExactly("no sleeping jobs on n1");
        }
    }
}
