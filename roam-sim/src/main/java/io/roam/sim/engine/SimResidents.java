package io.roam.sim.engine;

import io.roam.core.policy.Residents;
import java.util.Arrays;

/**
 * The processes on one node for one decision: admitted ones, then those waiting for memory. Listed lazily, so a policy
 * that never looks costs nothing.
 */
final class SimResidents implements Residents {
    private final Simulator sim;
    private int node;
    private double now;
    private boolean listed;
    private int count;
    private int[] slots = new int[16];

    SimResidents(Simulator sim) { this.sim = sim; }

    void bind(int n, double time) { node = n; now = time; listed = false; }

    private void list() {
        if (listed) return;
        Cpu cpu = sim.cpu;
        int n = cpu.count(node) + sim.memory.waitingCount(node);
        if (n > slots.length) slots = Arrays.copyOf(slots, Math.max(n, slots.length * 2));
        count = 0;
        for (int i = 0; i < cpu.count(node); i++) slots[count++] = cpu.member(node, i);
        for (int s = sim.memory.firstWaiting(node); s >= 0; s = sim.procs.waitNext[s]) slots[count++] = s;
        listed = true;
    }

    int slotOf(long id) {
        list();
        for (int i = 0; i < count; i++) if (sim.procs.id[slots[i]] == id) return slots[i];
        return -1;
    }

    private int slot(int i) {
        list();
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException("resident " + i + " of " + count);
        return slots[i];
    }

    @Override public int count() { list(); return count; }

    @Override public long id(int i) { return sim.procs.id[slot(i)]; }

    @Override public double cpuSeconds(int i) {
        int s = slot(i);
        Procs p = sim.procs;
        double left = p.state[s] == Procs.ADMITTED ? sim.cpu.remaining(s, now) : p.tag[s];
        return p.cpu[s] - left;
    }

    @Override public double ageSeconds(int i) { return now - sim.procs.arrival[slot(i)]; }

    @Override public long memoryBytes(int i) { return sim.procs.memory[slot(i)]; }

    @Override public int migrations(int i) { return sim.procs.migrations[slot(i)]; }

    @Override public boolean running(int i) { return sim.procs.state[slot(i)] == Procs.ADMITTED; }
}
