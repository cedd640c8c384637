package io.roam.core.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.core.CheckpointId;
import io.roam.core.JobId;
import io.roam.core.JobState;
import io.roam.core.NodeId;
import io.roam.core.recovery.KeeperPolicy.Action;
import io.roam.core.recovery.KeeperPolicy.Job;
import io.roam.core.recovery.KeeperPolicy.Kept;
import io.roam.core.recovery.KeeperPolicy.Node;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeeperPolicyTest {
    private static final NodeId N1 = NodeId.of("n1"), N2 = NodeId.of("n2"), N3 = NodeId.of("n3");
    private static final JobId J = JobId.of("j");
    private final KeeperPolicy policy = new KeeperPolicy(10_000);

    private static Map<NodeId, Node> nodes(Node... ns) {
        return java.util.Arrays.stream(ns).collect(java.util.stream.Collectors.toMap(Node::id, n -> n));
    }

    private static Node up(NodeId n) { return new Node(n, true, 0); }

    private static Node down(NodeId n, long since) { return new Node(n, false, since); }

    private static Job running(NodeId on, long since, long every, Kept kept) {
        return new Job(J, JobState.RUNNING, on, since, every, Optional.ofNullable(kept));
    }

    private static Kept kept(int seq, NodeId on, long at) { return new Kept(CheckpointId.of(J, seq), on, at); }

    @Test void aJobIsDueOneIntervalAfterItStartedAndItsImageGoesToAnotherNode() {
        var all = nodes(up(N1), up(N2), up(N3));
        assertThat(policy.decide(List.of(running(N2, 0, 10_000, null)), all, Set.of(), 9_999)).isEmpty();
        assertThat(policy.decide(List.of(running(N2, 0, 10_000, null)), all, Set.of(), 10_000))
                .containsExactly(new Action.Checkpoint(J, N1));
    }

    @Test void thePreviousHolderKeepsHoldingWhileItIsUp() {
        Kept k = kept(3, N3, 5_000);
        assertThat(policy.decide(List.of(running(N2, 0, 10_000, k)), nodes(up(N1), up(N2), up(N3)), Set.of(), 14_999)).isEmpty();
        assertThat(policy.decide(List.of(running(N2, 0, 10_000, k)), nodes(up(N1), up(N2), up(N3)), Set.of(), 15_000))
                .containsExactly(new Action.Checkpoint(J, N3));
        assertThat(policy.decide(List.of(running(N2, 0, 10_000, k)), nodes(up(N1), up(N2), down(N3, 1)), Set.of(), 15_000))
                .containsExactly(new Action.Checkpoint(J, N1));
    }

    @Test void anImageOnTheJobsOwnNodeDoesNotCount() {
        Kept onItsNode = kept(3, N2, 5_000); // the job migrated to the node holding its image
        assertThat(policy.decide(List.of(running(N2, 0, 10_000, onItsNode)), nodes(up(N1), up(N2)), Set.of(), 10_000))
                .containsExactly(new Action.Checkpoint(J, N1));
    }

    @Test void noOtherNodeUpMeansNoImage() {
        assertThat(policy.decide(List.of(running(N2, 0, 10_000, null)), nodes(up(N2), down(N1, 0)), Set.of(), 60_000)).isEmpty();
    }

    @Test void withoutAnIntervalOrWhileBusyNothingHappens() {
        assertThat(policy.decide(List.of(running(N2, 0, 0, null)), nodes(up(N1), up(N2)), Set.of(), 60_000)).isEmpty();
        assertThat(policy.decide(List.of(running(N2, 0, 10_000, null)), nodes(up(N1), up(N2)), Set.of(J), 60_000)).isEmpty();
    }

    @Test void aJobWhoseNodeStaysDownIsRestartedFromItsKeptImageAndSaysHowMuchWasLost() {
        Kept k = kept(4, N3, 20_000);
        var all = nodes(up(N1), down(N2, 27_000), up(N3));
        assertThat(policy.decide(List.of(running(N2, 0, 10_000, k)), all, Set.of(), 36_999)).as("not down long enough").isEmpty();
        assertThat(policy.decide(List.of(running(N2, 0, 10_000, k)), all, Set.of(), 37_000))
                .containsExactly(new Action.Restart(J, CheckpointId.of(J, 4), N3, N2, 7_000));
        Job interrupted = new Job(J, JobState.CHECKPOINTING, N2, 0, 10_000, Optional.of(k));
        assertThat(policy.decide(List.of(interrupted), all, Set.of(), 40_000)).hasSize(1);
    }

    @Test void noRestartWithoutAnImageOrWhenItsHolderIsDownToo() {
        assertThat(policy.decide(List.of(running(N2, 0, 10_000, null)), nodes(up(N1), down(N2, 0)), Set.of(), 60_000)).isEmpty();
        assertThat(policy.decide(List.of(running(N2, 0, 10_000, kept(1, N3, 0))), nodes(up(N1), down(N2, 0), down(N3, 0)), Set.of(), 60_000))
                .isEmpty();
    }

    @Test void stoppedJobsAreNeitherCheckpointedNorRestarted() {
        for (JobState s : List.of(JobState.CHECKPOINTED, JobState.EXITED, JobState.LOST, JobState.MIGRATING, JobState.RESTORING)) {
            Job j = new Job(J, s, N2, 0, 10_000, Optional.of(kept(1, N3, 0)));
            assertThat(policy.decide(List.of(j), nodes(up(N1), up(N2), up(N3)), Set.of(), 60_000)).as(s.name()).isEmpty();
            assertThat(policy.decide(List.of(j), nodes(up(N1), down(N2, 0), up(N3)), Set.of(), 60_000)).as(s.name()).isEmpty();
        }
    }
}
