package io.roam.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.coordinator.jobs.JobNotifier;
import io.roam.coordinator.jobs.JobTransitions;
import io.roam.coordinator.jobs.TransitionOutcome;
import io.roam.core.CheckpointId;
import io.roam.core.JobEvent;
import io.roam.core.JobId;
import io.roam.proto.JobInfo;
import io.roam.proto.JobState;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link JobTransitions#apply(JobId, JobEvent, List, JobInfo)}: a record the caller already holds, against a real ZooKeeper. */
class KnownRecordTransitionsTest {
    private TestingServer zk;
    private CuratorFramework curator;
    private ZkJobStore store;
    private JobTransitions transitions;
    private final JobId id = JobId.of("k");

    @BeforeEach void start() throws Exception {
        zk = new TestingServer(true);
        curator = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
        curator.start();
        assertThat(curator.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
        store = new ZkJobStore(curator);
        transitions = new JobTransitions(store, new JobNotifier(), () -> 1_000L);
        store.create(ZkJobStoreTest.job("k", JobState.RUNNING).toBuilder().setNode("n1").setHostPid(42).build());
    }

    @AfterEach void stop() throws Exception {
        curator.close();
        zk.close();
    }

    private JobInfo read() { return store.get(id).orElseThrow().value(); }

    @Test void aCurrentRecordIsWrittenOnAsItIs() {
        JobInfo known = read();
        var out = transitions.apply(id, new JobEvent.CheckpointStarted(CheckpointId.of(id, 1), true), List.of(), known);
        assertThat(out).isInstanceOf(TransitionOutcome.Applied.class);
        JobInfo after = read();
        assertThat(after.getState()).isEqualTo(JobState.CHECKPOINTING);
        assertThat(after.getVersion()).isEqualTo(known.getVersion() + 1);
        // the record the transition returns is good as the next one's known record
        var done = transitions.apply(id, new JobEvent.CheckpointCompleted(CheckpointId.of(id, 1), true, false), List.of(),
                ((TransitionOutcome.Applied) out).job());
        assertThat(done).isInstanceOf(TransitionOutcome.Applied.class);
        assertThat(read().getState()).isEqualTo(JobState.RUNNING);
        assertThat(read().getVersion()).isEqualTo(known.getVersion() + 2);
    }

    @Test void aStaleRecordLosesTheCompareAndSetAndTheChangeLandsOnTheFreshOne() {
        JobInfo stale = read();
        // another writer moves the job meanwhile (a cold migration committed elsewhere)
        assertThat(store.replace(stale.toBuilder().setNode("n2").setHostPid(77).build(), (int) stale.getVersion())).isTrue();
        var out = transitions.apply(id, new JobEvent.CheckpointStarted(CheckpointId.of(id, 1), true), List.of(), stale);
        assertThat(out).isInstanceOf(TransitionOutcome.Applied.class);
        JobInfo after = read();
        assertThat(after.getState()).isEqualTo(JobState.CHECKPOINTING);
        assertThat(after.getNode()).isEqualTo("n2");   // the other writer's change was not overwritten
        assertThat(after.getHostPid()).isEqualTo(77);
    }

    @Test void aRefusalIsBelievedOnlyFromTheStore() {
        JobInfo running = read();
        // the hint says CHECKPOINTING (a second checkpoint would be refused), the store says RUNNING: it is accepted
        JobInfo staleBusy = running.toBuilder().setState(JobState.CHECKPOINTING).build();
        var out = transitions.apply(id, new JobEvent.CheckpointStarted(CheckpointId.of(id, 1), true), List.of(), staleBusy);
        assertThat(out).isInstanceOf(TransitionOutcome.Applied.class);
        // and a refusal the store confirms is returned as such
        var again = transitions.apply(id, new JobEvent.CheckpointStarted(CheckpointId.of(id, 2), true), List.of(), running);
        assertThat(again).isInstanceOf(TransitionOutcome.Rejected.class);
        assertThat(read().getState()).isEqualTo(JobState.CHECKPOINTING);
    }

    @Test void aRemovedJobIsMissingEvenWithAKnownRecord() {
        JobInfo known = read();
        assertThat(store.delete(id, (int) known.getVersion())).isTrue();
        var out = transitions.apply(id, new JobEvent.Exited(0), List.of(), known);
        assertThat(out).isInstanceOf(TransitionOutcome.Missing.class);
        assertThat(store.get(id)).isEmpty();
    }
}
