package io.roam.sim.engine;

import io.roam.core.policy.Decision;
import io.roam.core.policy.NodeLoad;
import java.util.List;

/**
 * Carries out what policies decide: remote placements and migrations (the process makes no progress while it moves;
 * the source keeps its memory until it lands, the target reserves it when the move starts if it has room), steals
 * and advertisements. A decision that names a process not on the deciding node, or a node that does not exist, is a
 * policy bug and throws.
 */
final class Moves {
    private final Simulator sim;
    private final Procs procs;
    private final SimResidents victimResidents;
    private final SimView victimView;
    private int inFlight;

    Moves(Simulator sim) {
        this.sim = sim;
        this.procs = sim.procs;
        this.victimResidents = new SimResidents(sim);
        this.victimView = new SimView(sim);
    }

    int inFlight() { return inFlight; }

    /** {@code slot} leaves {@code source} for {@code to} with {@code remaining} work; lands after {@code seconds}. */
    void start(int slot, int source, int to, double remaining, double seconds, boolean holdsSource) {
        long mem = procs.memory[slot];
        procs.state[slot] = Procs.MOVING;
        procs.tag[slot] = remaining;
        procs.node[slot] = to;
        procs.from[slot] = holdsSource ? source : -1;
        procs.reserved[slot] = sim.memory.fits(to, mem);
        if (procs.reserved[slot]) sim.memory.hold(to, mem);
        sim.incoming[to]++;
        inFlight++;
        sim.windows.sent(source, to, mem);
        sim.counters.messages++;
        sim.schedule(sim.now + seconds, Simulator.MOVE_DONE, slot);
    }

    void land(int slot) {
        int to = procs.node[slot], from = procs.from[slot];
        sim.incoming[to]--;
        inFlight--;
        if (from >= 0) {
            procs.from[slot] = -1;
            sim.memory.release(from, procs.memory[slot]);
            sim.admitWaiting(from);
        }
        sim.settle(slot, to, procs.tag[slot]);
    }

    void apply(int node, Decision.Periodic decision, SimResidents residents) {
        switch (decision) {
            case Decision.Migrate m -> migrate(node, m, residents);
            case Decision.Steal s -> steal(node, s.from());
            case Decision.Advertise a -> {
                checkNode(a.to(), node, "advertised to");
                sim.windows.hear(a.to(), sim.view().snapshot(node, sim.now), sim.now);
                sim.counters.messages++;
            }
        }
    }

    private void migrate(int node, Decision.Migrate m, SimResidents residents) {
        int slot = residents.slotOf(m.process());
        if (slot < 0 || procs.state[slot] == Procs.MOVING || procs.node[slot] != node)
            throw new IllegalStateException("policy " + sim.policy.name() + " migrated process " + m.process() + ", which is not on node " + node);
        checkNode(m.to(), node, "migrated a process to");
        boolean holds = procs.state[slot] == Procs.ADMITTED;
        double left = sim.detach(slot);
        procs.migrations[slot]++;
        sim.counters.migrated(procs, slot);
        sim.moves.start(slot, node, m.to(), left, sim.config.settings().cost().seconds(procs.memory[slot]), holds);
    }

    private void steal(int thief, int victim) {
        checkNode(victim, thief, "stole from");
        sim.counters.messages += 2;
        NodeLoad thiefLoad = sim.view().snapshot(thief, sim.now);
        victimResidents.bind(victim, sim.now);
        victimView.bind(victim, sim.now);
        long t0 = System.nanoTime();
        List<Decision.Migrate> given = sim.policy.surrender(thiefLoad, victimResidents, victimView);
        sim.counters.tickNanos += System.nanoTime() - t0;
        for (Decision.Migrate m : given) {
            if (m.to() != thief) throw new IllegalStateException("policy " + sim.policy.name() + " answered a steal by n" + thief + " with a move to n" + m.to());
            migrate(victim, m, victimResidents);
        }
    }

    private void checkNode(int to, int node, String what) {
        if (to < 0 || to >= sim.config.nodes() || to == node)
            throw new IllegalStateException("policy " + sim.policy.name() + " on node " + node + " " + what + " node " + to);
    }
}
