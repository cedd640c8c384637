package io.roam.sim.engine;

import io.roam.core.policy.LoadView;
import io.roam.core.policy.NodeLoad;

/** The {@link LoadView} one node gets for one decision: its own exact load, its window, and probes if allowed. */
final class SimView implements LoadView {
    private final Simulator sim;
    private int self;
    private double now;

    SimView(Simulator sim) { this.sim = sim; }

    void bind(int node, double time) { self = node; now = time; }

    @Override public double now() { return now; }

    @Override public int self() { return self; }

    @Override public int nodeCount() { return sim.config.nodes(); }

    @Override public NodeLoad local() { return snapshot(self, now); }

    @Override public int knownCount() { return sim.windows.count(self); }

    @Override public NodeLoad known(int i) {
        if (i < 0 || i >= knownCount()) throw new IndexOutOfBoundsException("window entry " + i + " of " + knownCount());
        return sim.windows.entry(self, i, now);
    }

    @Override public boolean canProbe() { return !sim.config.gossip(); }

    @Override public NodeLoad probe(int node) {
        if (!canProbe()) throw new IllegalStateException("policy " + sim.policy.name() + " probed with gossip information only");
        if (node < 0 || node >= sim.config.nodes()) throw new IllegalArgumentException("no node " + node);
        sim.counters.messages += 2;
        return snapshot(node, now);
    }

    /** The true load of {@code node} at {@code time}. */
    NodeLoad snapshot(int node, double time) {
        Cpu cpu = sim.cpu;
        Procs procs = sim.procs;
        int n = cpu.count(node), longRunning = 0;
        for (int i = 0; i < n; i++) {
            int slot = cpu.member(node, i);
            if (procs.cpu[slot] - cpu.remaining(slot, time) >= NodeLoad.LONG_RUNNING_CPU_SECONDS) longRunning++;
        }
        return new NodeLoad(node, n + sim.incoming[node], sim.config.cores(), sim.memory.free(node), longRunning, 0);
    }
}
