package io.roam.coordinator.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.core.NodeId;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class LeastLoadedPlacementTest {
    static Candidate up(String n, int runnable, int cores, int jobs) { return new Candidate(NodeId.of(n), true, false, runnable, cores, jobs); }
    static Candidate down(String n) { return new Candidate(NodeId.of(n), false, false, 0, 8, 0); }
    static Candidate draining(String n) { return new Candidate(NodeId.of(n), true, true, 0, 8, 0); }

    /** nodes → the one node placement must pick (no ties). */
    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of(List.of(up("a", 1, 1, 0)), "a"),
                Arguments.of(List.of(up("a", 4, 2, 0), up("b", 1, 2, 9)), "b"),           // fewer runnable per core wins over fewer jobs
                Arguments.of(List.of(up("a", 4, 8, 3), up("b", 2, 2, 0)), "a"),           // 0.5 per core beats 1.0 per core
                Arguments.of(List.of(up("a", 2, 2, 3), up("b", 2, 2, 1)), "b"),           // same load per core: fewer jobs
                Arguments.of(List.of(down("a"), up("b", 50, 1, 50)), "b"),                // down nodes never
                Arguments.of(List.of(draining("a"), up("b", 50, 1, 50)), "b"),            // draining nodes never
                Arguments.of(List.of(up("a", 3, 0, 0), up("b", 2, 1, 0)), "b"));          // unknown cores count as one
    }

    @ParameterizedTest @MethodSource("table")
    void picksTheLeastLoadedEligibleNode(List<Candidate> nodes, String expected) {
        assertThat(new LeastLoadedPlacement(new Random(1)).place(nodes)).isEqualTo(new Placement.Placed(NodeId.of(expected)));
    }

    @Test void tiesAreBrokenByTheInjectedRandom() {
        List<Candidate> tied = List.of(up("a", 1, 2, 1), up("b", 1, 2, 1), up("c", 1, 2, 1), up("d", 9, 2, 1));
        Set<String> picked = new HashSet<>();
        Random r = new Random(42);
        for (int i = 0; i < 200; i++) picked.add(((Placement.Placed) new LeastLoadedPlacement(r).place(tied)).node().value());
        assertThat(picked).containsExactlyInAnyOrder("a", "b", "c");
        // the same seed, the same choices
        assertThat(new LeastLoadedPlacement(new Random(7)).place(tied)).isEqualTo(new LeastLoadedPlacement(new Random(7)).place(tied));
    }

    @Test void noEligibleNodeSaysWhy() {
        assertThat(new LeastLoadedPlacement(new Random(1)).place(List.of()))
                .isEqualTo(new Placement.Unplaced("no node has joined the cluster: start an agent (roam up starts them)"));
        assertThat(new LeastLoadedPlacement(new Random(1)).place(List.of(down("a"), draining("b"), down("c"))))
                .isEqualTo(new Placement.Unplaced("no node can take the job: 3 known, 2 down, 1 draining; start or wake an agent"));
    }
}
