package io.roam.agent.exec;

import io.roam.proto.NodeInfo;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * Where one exec'd command goes, decided by the agent the CLI talks to (pure). A node's score is its load per core:
 * (runnable processes it last reported + the commands this agent sent there since) / cores. This node wins unless
 * another node's score is lower by more than {@link #LOCAL_BONUS}: running here saves the TLS hop, and the margin
 * keeps a burst of {@code make -j} commands from bouncing between equally loaded nodes.
 */
final class ExecPlacement {
    static final double LOCAL_BONUS = 0.5;

    private ExecPlacement() {}

    /** The chosen node among the {@code up} ones; empty means run here (also when this node is not in the view yet). */
    static Optional<NodeInfo> pick(String self, Collection<NodeInfo> nodes, Map<String, Integer> inflight) {
        NodeInfo best = null;
        double bestScore = Double.MAX_VALUE;
        double selfScore = Double.MAX_VALUE;
        for (NodeInfo n : nodes) {
            if (!n.getState().equals("up")) continue;
            double score = score(n, inflight.getOrDefault(n.getId(), 0));
            if (n.getId().equals(self)) selfScore = score;
            else if (score < bestScore) {
                best = n;
                bestScore = score;
            }
        }
        if (best == null || selfScore == Double.MAX_VALUE || bestScore + LOCAL_BONUS >= selfScore) return Optional.empty();
        return Optional.of(best);
    }

    static double score(NodeInfo n, int inflight) {
        int cores = Math.max(1, n.getLoad().getCores());
        return (double) (Math.max(0, n.getLoad().getRunnable()) + inflight) / cores;
    }
}
