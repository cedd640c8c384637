package io.roam.agent.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.proto.NodeInfo;
import io.roam.proto.NodeLoad;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExecPlacementTest {
    private static NodeInfo node(String id, String state, int runnable, int cores) {
        return NodeInfo.newBuilder().setId(id).setState(state).setAddress(id + ":1")
                .setLoad(NodeLoad.newBuilder().setRunnable(runnable).setCores(cores)).build();
    }

    private static Optional<String> pick(List<NodeInfo> nodes, Map<String, Integer> inflight) {
        return ExecPlacement.pick("n1", nodes, inflight).map(NodeInfo::getId);
    }

    @Test
    void runsHereWhenNothingIsClearlyLessLoaded() {
        assertThat(pick(List.of(), Map.of())).isEmpty();                                                   // no view yet
        assertThat(pick(List.of(node("n1", "up", 0, 2)), Map.of())).isEmpty();                            // alone
        assertThat(pick(List.of(node("n1", "up", 1, 2), node("n2", "up", 0, 2)), Map.of())).isEmpty();    // 0.5 vs 0: within the bonus
        assertThat(pick(List.of(node("n2", "up", 0, 2)), Map.of())).isEmpty();                            // self unknown: here
    }

    @Test
    void sendsToTheLeastLoadedNodeOnceThisOneIsBusier() {
        var nodes = List.of(node("n1", "up", 3, 2), node("n2", "up", 1, 2), node("n3", "up", 0, 2));
        assertThat(pick(nodes, Map.of())).contains("n3");
        // commands this agent already sent count until the next report
        assertThat(pick(nodes, Map.of("n3", 2))).contains("n2");
        assertThat(pick(nodes, Map.of("n2", 2, "n3", 2))).isEmpty();
    }

    @Test
    void scoresPerCoreAndSkipsNodesThatAreNotUp() {
        var nodes = List.of(node("n1", "up", 4, 4), node("n2", "up", 4, 16), node("n3", "draining", 0, 64), node("n4", "down", 0, 64));
        assertThat(pick(nodes, Map.of())).contains("n2");
        assertThat(ExecPlacement.score(node("x", "up", 3, 0), 1)).isEqualTo(4.0);   // unknown cores: counted as one
    }
}
