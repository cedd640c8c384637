package io.roam.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.coordinator.jobs.JobNotifier;
import io.roam.coordinator.jobs.JobTransitions;
import io.roam.coordinator.jobs.TransitionOutcome;
import io.roam.core.CheckpointId;
import io.roam.core.JobEvent;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.JobInfo;
import io.roam.proto.JobSpec;
import io.roam.proto.JobState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store against a real ZooKeeper (Curator's TestingServer). */
class ZkJobStoreTest {
    private TestingServer zk;
    private CuratorFramework curator;
    private ZkJobStore store;

    @BeforeEach void start() throws Exception {
        zk = new TestingServer(true);
        curator = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
        curator.start();
        assertThat(curator.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
        store = new ZkJobStore(curator);
    }

    @AfterEach void stop() throws Exception {
        curator.close();
        zk.close();
    }

    static JobInfo job(String id, JobState state) {
        return JobInfo.newBuilder().setId(id).setState(state).setSpec(JobSpec.newBuilder().setUid(1000).addArgv("/bin/true")).setCreatedMs(id.hashCode() & 0xffff).build();
    }

    @Test void aClaimedSequenceCommitsWithTheRecordOrNotAtAll() {
        JobId id = JobId.of("seq");
        store.create(job("seq", JobState.RUNNING));
        Also.ClaimSequence first = store.nextSequenceClaim(id);
        assertThat(first.next()).isEqualTo(1);
        JobInfo v0 = store.get(id).orElseThrow().value();
        assertThat(store.replace(v0.toBuilder().setState(JobState.CHECKPOINTING).build(), 0, List.of(first))).isTrue();
        assertThat(store.nextSequenceClaim(id).next()).as("the claim was written").isEqualTo(2);

        Also.ClaimSequence second = store.nextSequenceClaim(id);
        assertThat(store.nextCheckpointSequence(id)).as("someone else takes 2").isEqualTo(2);
        JobInfo v1 = store.get(id).orElseThrow().value();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.replace(v1.toBuilder().setState(JobState.RUNNING).build(), 1, List.of(second)))
                .isInstanceOf(Also.Conflict.class);
        assertThat(store.get(id).orElseThrow().value().getState()).as("nothing written with a lost claim").isEqualTo(JobState.CHECKPOINTING);

        Also.ClaimSequence third = store.nextSequenceClaim(id);
        assertThat(store.replace(v1.toBuilder().setState(JobState.RUNNING).build(), 0, List.of(third))).as("stale record version").isFalse();
        assertThat(store.nextSequenceClaim(id).next()).as("the claim was not written either").isEqualTo(3);
    }

    @Test void aCheckpointRecordCommitsWithTheStateChange() {
        JobId id = JobId.of("ck");
        store.create(job("ck", JobState.CHECKPOINTING));
        CheckpointInfo info = CheckpointInfo.newBuilder().setId("ck.1").setJob("ck").setNode("n1").build();
        assertThat(store.replace(job("ck", JobState.CHECKPOINTED), 0, List.of(new Also.CreateCheckpoint(info)))).isTrue();
        assertThat(store.checkpoint(CheckpointId.of(id, 1))).contains(info);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.replace(job("ck", JobState.RUNNING), 1, List.of(new Also.CreateCheckpoint(info))))
                .isInstanceOf(Also.Conflict.class);
        assertThat(store.get(id).orElseThrow().value().getState()).isEqualTo(JobState.CHECKPOINTED);
    }

    @Test void createGetReplaceDelete() {
        JobId id = JobId.of("a");
        assertThat(store.get(id)).isEmpty();
        assertThat(store.create(job("a", JobState.PENDING))).isTrue();
        assertThat(store.create(job("a", JobState.RUNNING))).isFalse();
        Versioned<JobInfo> v = store.get(id).orElseThrow();
        assertThat(v.version()).isZero();
        assertThat(v.value().getState()).isEqualTo(JobState.PENDING);
        assertThat(store.replace(job("a", JobState.RUNNING), 0)).isTrue();
        assertThat(store.replace(job("a", JobState.EXITED), 0)).as("stale version").isFalse();
        Versioned<JobInfo> v1 = store.get(id).orElseThrow();
        assertThat(v1.version()).isEqualTo(1);
        assertThat(v1.value().getVersion()).isEqualTo(1);
        assertThat(v1.value().getState()).isEqualTo(JobState.RUNNING);
        assertThat(store.delete(id, 0)).isFalse();
        assertThat(store.delete(id, 1)).isTrue();
        assertThat(store.get(id)).isEmpty();
        assertThat(store.replace(job("a", JobState.RUNNING), 1)).as("gone").isFalse();
    }

    @Test void listAndCheckpoints() {
        store.create(job("x", JobState.RUNNING));
        store.create(job("y", JobState.EXITED));
        assertThat(store.list()).extracting(JobInfo::getId).containsExactlyInAnyOrder("x", "y");
        store.putCheckpoint(CheckpointInfo.newBuilder().setId("x.2").setJob("x").setNode("n1").build());
        store.putCheckpoint(CheckpointInfo.newBuilder().setId("x.10").setJob("x").setNode("n1").build());
        store.putCheckpoint(CheckpointInfo.newBuilder().setId("y.1").setJob("y").setNode("n2").build());
        assertThat(store.checkpoints(Optional.of(JobId.of("x")))).extracting(CheckpointInfo::getId).containsExactly("x.2", "x.10");
        assertThat(store.checkpoints(Optional.empty())).hasSize(3);
        assertThat(store.checkpoint(CheckpointId.parse("y.1")).orElseThrow().getNode()).isEqualTo("n2");
        store.deleteCheckpoint(CheckpointId.parse("y.1"));
        assertThat(store.checkpoint(CheckpointId.parse("y.1"))).isEmpty();
    }

    @Test void concurrentSequencesAreUnique() throws Exception {
        JobId id = JobId.of("seq");
        List<Future<Integer>> all = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 20; i++) all.add(pool.submit(() -> store.nextCheckpointSequence(id)));
            List<Integer> got = new ArrayList<>();
            for (var f : all) got.add(f.get(30, TimeUnit.SECONDS));
            assertThat(got).containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.rangeClosed(1, 20).boxed().toList());
        }
    }

    @Test void concurrentCompareAndSetWritersLoseNoUpdate() throws Exception {
        store.create(job("shared", JobState.RUNNING));
        int writers = 16;
        var go = new CountDownLatch(1);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String key = "w" + w;
                all.add(pool.submit(() -> {
                    go.await();
                    while (true) { // read-modify-write, as every writer of the coordinator does
                        Versioned<JobInfo> v = store.get(JobId.of("shared")).orElseThrow();
                        JobInfo next = v.value().toBuilder().setSpec(v.value().getSpec().toBuilder().putEnv(key, "1")).build();
                        if (store.replace(next, v.version())) return null;
                    }
                }));
            }
            go.countDown();
            for (var f : all) f.get(60, TimeUnit.SECONDS);
        }
        Versioned<JobInfo> end = store.get(JobId.of("shared")).orElseThrow();
        assertThat(end.value().getSpec().getEnvMap()).hasSize(writers);
        assertThat(end.version()).isEqualTo(writers);
    }

    @Test void concurrentTransitionsAreAppliedOneAtATime() throws Exception {
        store.create(job("dual", JobState.RUNNING).toBuilder().setNode("n1").setHostPid(10).build());
        var transitions = new JobTransitions(store, new JobNotifier(), System::currentTimeMillis);
        var go = new CountDownLatch(1);
        List<Future<TransitionOutcome>> all = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 1; i <= 8; i++) {
                CheckpointId c = CheckpointId.of(JobId.of("dual"), i);
                all.add(pool.submit(() -> { go.await(); return transitions.apply(JobId.of("dual"), new JobEvent.CheckpointStarted(c, false)); }));
            }
            go.countDown();
            List<TransitionOutcome> outcomes = new ArrayList<>();
            for (var f : all) outcomes.add(f.get(60, TimeUnit.SECONDS));
            assertThat(outcomes).filteredOn(o -> o instanceof TransitionOutcome.Applied).hasSize(1);
            assertThat(outcomes).filteredOn(o -> o instanceof TransitionOutcome.Rejected r && r.reason().equals("job dual is already being checkpointed"))
                    .hasSize(7);
        }
        assertThat(store.get(JobId.of("dual")).orElseThrow().value().getState()).isEqualTo(JobState.CHECKPOINTING);
        assertThat(transitions.apply(JobId.of("dual"), new JobEvent.Lost("x"))).isInstanceOf(TransitionOutcome.Applied.class);
        assertThat(transitions.apply(JobId.of("ghost"), new JobEvent.Started(NodeId.of("n1"), 1, 1))).isInstanceOf(TransitionOutcome.Missing.class);
    }
}
