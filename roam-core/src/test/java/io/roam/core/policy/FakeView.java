package io.roam.core.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A hand-built {@link LoadView}: the local load, a window, and the true loads probes return (counted). */
final class FakeView implements LoadView {
    final int self;
    final int nodes;
    NodeLoad local;
    final List<NodeLoad> window = new ArrayList<>();
    final Map<Integer, NodeLoad> truth = new HashMap<>();
    final boolean canProbe;
    final List<Integer> probed = new ArrayList<>();
    double now = 100;

    private FakeView(int self, int nodes, NodeLoad local, boolean canProbe) {
        this.self = self;
        this.nodes = nodes;
        this.local = local;
        this.canProbe = canProbe;
    }

    static final long GB = 1L << 30;

    /** Node {@code self} of {@code nodes}, with fresh probes; every other node idle with 8 GB free unless set. */
    static FakeView probes(int self, int nodes, int runnable, int cores) {
        FakeView v = new FakeView(self, nodes, load(self, runnable, cores), true);
        for (int i = 0; i < nodes; i++) if (i != self) v.truth.put(i, load(i, 0, cores));
        return v;
    }

    /** Node {@code self} of {@code nodes}, gossip only (no probes), empty window. */
    static FakeView gossip(int self, int nodes, int runnable, int cores) {
        return new FakeView(self, nodes, load(self, runnable, cores), false);
    }

    static NodeLoad load(int node, int runnable, int cores) { return new NodeLoad(node, runnable, cores, 8 * GB, 0, 0); }

    FakeView withLocal(int runnable) { local = new NodeLoad(self, runnable, local.cores(), local.freeMemoryBytes(), 0, 0); return this; }

    FakeView withLocalFree(long free) { local = new NodeLoad(self, local.runnable(), local.cores(), free, 0, 0); return this; }

    FakeView set(NodeLoad l) { truth.put(l.node(), l); return this; }

    FakeView hear(NodeLoad l) { window.add(l); return this; }

    @Override public double now() { return now; }

    @Override public int self() { return self; }

    @Override public int nodeCount() { return nodes; }

    @Override public NodeLoad local() { return local; }

    @Override public int knownCount() { return window.size(); }

    @Override public NodeLoad known(int i) { return window.get(i); }

    @Override public boolean canProbe() { return canProbe; }

    @Override public NodeLoad probe(int node) {
        if (!canProbe) throw new IllegalStateException("no probes in gossip mode");
        if (node == self) throw new IllegalStateException("probed itself");
        probed.add(node);
        return truth.get(node);
    }
}
