package io.roam.agent.exec;

import io.grpc.StatusRuntimeException;
import io.roam.agent.rpc.CoordinatorLink;
import io.roam.proto.ListNodesRequest;
import io.roam.proto.NodeInfo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This agent's view of the cluster for exec placement: the coordinator's node list, refreshed every second in the
 * background (never on a command's path), plus the commands this agent has running on each node right now.
 */
final class NodeView implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeView.class);
    private static final Duration REFRESH = Duration.ofSeconds(1);

    private final String self;
    private final CoordinatorLink coordinator;
    private final Map<String, AtomicInteger> inflight = new ConcurrentHashMap<>();
    private volatile List<NodeInfo> nodes = List.of();
    private final Thread refresher;

    NodeView(String self, CoordinatorLink coordinator) {
        this.self = self;
        this.coordinator = coordinator;
        this.refresher = Thread.ofVirtual().name("exec-node-view").start(this::refreshLoop);
    }

    private void refreshLoop() {
        while (!Thread.currentThread().isInterrupted()) {
            refresh();
            try {
                Thread.sleep(REFRESH);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void refresh() {
        try {
            nodes = coordinator.stub(Duration.ofSeconds(2)).listNodes(ListNodesRequest.getDefaultInstance()).getNodesList();
        } catch (StatusRuntimeException e) {
            log.debug("node view not refreshed: {}", e.getStatus());
        }
    }

    /** The node to run on: a pinned one (refreshing once if unknown), else per {@link ExecPlacement}; empty: here. */
    Optional<NodeInfo> choose(String pinned) {
        if (pinned.equals(self)) return Optional.empty();
        if (!pinned.isEmpty()) {
            Optional<NodeInfo> n = find(pinned);
            if (n.isEmpty()) {
                refresh();
                n = find(pinned);
            }
            return Optional.of(n.orElseThrow(() -> new IllegalArgumentException(
                    "no node " + pinned + " in the cluster: see 'roam nodes' for the names")));
        }
        Map<String, Integer> counts = new java.util.HashMap<>();
        inflight.forEach((k, v) -> counts.put(k, v.get()));
        return ExecPlacement.pick(self, nodes, counts);
    }

    private Optional<NodeInfo> find(String id) { return nodes.stream().filter(n -> n.getId().equals(id)).findFirst(); }

    /** Counts a command on {@code node} ("": this node) until the returned handle is closed. */
    Slot running(String node) {
        AtomicInteger c = inflight.computeIfAbsent(node.isEmpty() ? self : node, k -> new AtomicInteger());
        c.incrementAndGet();
        return () -> c.decrementAndGet();
    }

    /** One counted command; close when it ends. */
    interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    public void close() { refresher.interrupt(); }
}
