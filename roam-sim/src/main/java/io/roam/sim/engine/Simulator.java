package io.roam.sim.engine;

import io.roam.core.policy.Birth;
import io.roam.core.policy.Decision;
import io.roam.core.policy.Policy;
import io.roam.sim.workload.Arrival;
import io.roam.sim.workload.Workload;
import java.util.Arrays;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * The discrete-event loop. Three sources of events, merged by time: the workload's next arrival, the earliest node
 * completion ({@link NodeClock}), and an {@link EventQueue} of moves in flight plus the two once-a-second sweeps
 * (policy ticks and gossip), each node at its own random phase. Single-threaded and seeded: the same inputs give the
 * same result bit for bit.
 */
public final class Simulator {
    static final int MOVE_DONE = 1, TICK = 2, GOSSIP = 3;
    final SimConfig config;
    final Policy policy;
    private final Workload workload;
    final Procs procs = new Procs();
    final Cpu cpu;
    final Memory memory;
    final Windows windows;
    private final NodeClock clock;
    private final EventQueue events = new EventQueue();
    private final RandomGenerator infra;
    private final int[] tickOrder, gossipOrder;
    private final double[] tickPhase, gossipPhase;
    final int[] incoming;
    final Moves moves;
    final Counters counters = new Counters();
    private final SimView view;
    private final SimResidents residents;
    double now;
    private Arrival pending;
    private long born;
    private long outstanding;
    private long tickRound, gossipRound;

    public Simulator(SimConfig config, Policy policy, Workload workload) {
        this.config = config;
        this.policy = policy;
        this.workload = workload;
        int n = config.nodes();
        cpu = Cpu.create(config.discipline(), procs, n, config.cores());
        memory = new Memory(procs, n, config.nodeMemoryBytes());
        windows = new Windows(n, config.window());
        clock = new NodeClock(n);
        incoming = new int[n];
        infra = RandomGeneratorFactory.of("L64X128MixRandom").create(config.seed() * 0x9E3779B97F4A7C15L + 17);
        tickPhase = new double[n];
        gossipPhase = new double[n];
        for (int i = 0; i < n; i++) { tickPhase[i] = infra.nextDouble() * config.tickSeconds(); gossipPhase[i] = infra.nextDouble(); }
        tickOrder = order(tickPhase);
        gossipOrder = order(gossipPhase);
        view = new SimView(this);
        residents = new SimResidents(this);
        moves = new Moves(this);
    }

    /** Runs to the end: every measured process has completed (or the workload ran dry and the cluster drained). */
    public RunResult run() {
        long wallStart = System.nanoTime();
        pending = workload.next();
        events.push(tickPhase[tickOrder[0]], TICK, 0);
        if (config.gossip() && config.nodes() > 1) events.push(gossipPhase[gossipOrder[0]], GOSSIP, 0);
        long target = config.warmup() + config.measured();
        double lastMeasuredArrival = Double.NaN;
        while (born < target || outstanding > 0) {
            if (born >= target && Double.isNaN(lastMeasuredArrival)) lastMeasuredArrival = now;
            if (born >= target && now - lastMeasuredArrival > config.cooldownCapSeconds()) {
                censor();
                break;
            }
            double ta = pending == null ? Double.POSITIVE_INFINITY : pending.time();
            double tc = clock.peekTime(), te = events.peekTime();
            if (ta == Double.POSITIVE_INFINITY && tc == Double.POSITIVE_INFINITY && moves.inFlight() == 0) break;
            if (tc <= ta && tc <= te) {
                now = tc;
                complete(clock.peekNode());
            } else if (ta <= te) {
                now = ta;
                arrive(pending);
                pending = workload.next();
            } else {
                now = te;
                int kind = events.peekKind(), arg = events.peekArg();
                events.pop();
                switch (kind) {
                    case MOVE_DONE -> moves.land(arg);
                    case TICK -> tick(arg);
                    case GOSSIP -> gossip(arg);
                    default -> throw new IllegalStateException("unknown event kind " + kind);
                }
            }
        }
        return counters.result(this, workload.describe(), (System.nanoTime() - wallStart) / 1e9, born);
    }

    /** The cool-down cap is reached: the measured processes still alive count with their response time so far. */
    private void censor() {
        for (int slot = 0; slot < procs.capacity(); slot++)
            if (procs.state[slot] != Procs.FREE && procs.measured[slot]) {
                double left = procs.state[slot] == Procs.ADMITTED ? cpu.remaining(slot, now) : procs.tag[slot];
                counters.censored(procs, slot, now, procs.cpu[slot] - left);
                outstanding--;
            }
    }

    private void arrive(Arrival a) {
        int slot = procs.alloc();
        long mem = a.memoryBytes();
        if (mem > config.nodeMemoryBytes()) { mem = config.nodeMemoryBytes(); counters.memoryCapped++; }
        procs.id[slot] = born;
        procs.arrival[slot] = a.time();
        procs.cpu[slot] = a.cpuSeconds();
        procs.memory[slot] = mem;
        procs.migrations[slot] = 0;
        procs.from[slot] = -1;
        procs.reserved[slot] = false;
        procs.waited[slot] = false;
        procs.measured[slot] = born >= config.warmup() && born < config.warmup() + config.measured();
        if (procs.measured[slot]) outstanding++;
        born++;
        view.bind(a.origin(), now);
        long t0 = System.nanoTime();
        Decision.Place place = policy.place(new Birth(procs.id[slot], mem), view);
        counters.placeNanos += System.nanoTime() - t0;
        counters.placements++;
        int to = place.node();
        if (to < 0 || to >= config.nodes()) throw new IllegalStateException("policy " + policy.name() + " placed on node " + to + " of " + config.nodes());
        if (to == a.origin()) settle(slot, to, a.cpuSeconds());
        else {
            counters.remotePlacements++;
            moves.start(slot, a.origin(), to, a.cpuSeconds(), config.settings().remoteExecSeconds(), false);
        }
    }

    /** {@code slot} is on {@code node} with {@code remaining} work: admitted if its memory fits, else it waits. */
    void settle(int slot, int node, double remaining) {
        procs.node[slot] = node;
        if (procs.reserved[slot] || memory.fits(node, procs.memory[slot])) {
            if (!procs.reserved[slot]) memory.hold(node, procs.memory[slot]);
            procs.reserved[slot] = false;
            procs.state[slot] = Procs.ADMITTED;
            cpu.admit(node, slot, remaining, now);
            clock.update(node, cpu.nextCompletion(node));
        } else {
            procs.state[slot] = Procs.WAITING;
            procs.waited[slot] = true;
            procs.tag[slot] = remaining;
            memory.enqueue(node, slot);
        }
    }

    /** How far down its memory queue a node looks for a process that fits (first fit among the first few). */
    static final int LOOKAHEAD = 16;

    /** Memory was freed on {@code node}: admit waiting processes that now fit, first fit among the first {@value #LOOKAHEAD}. */
    void admitWaiting(int node) {
        int slot = memory.firstWaiting(node), skipped = 0;
        while (slot >= 0 && skipped < LOOKAHEAD) {
            int next = procs.waitNext[slot];
            if (memory.fits(node, procs.memory[slot])) {
                memory.unlink(node, slot);
                settle(slot, node, procs.tag[slot]);
            } else {
                skipped++;
            }
            slot = next;
        }
    }

    /** Takes {@code slot} off its node (it moves away); returns its remaining work. */
    double detach(int slot) {
        int node = procs.node[slot];
        if (procs.state[slot] == Procs.WAITING) {
            memory.unlink(node, slot);
            return procs.tag[slot];
        }
        double left = cpu.remove(node, slot, now);
        clock.update(node, cpu.nextCompletion(node));
        return left;
    }

    private void complete(int node) {
        int slot = cpu.completeNext(node, now);
        clock.update(node, cpu.nextCompletion(node));
        memory.release(node, procs.memory[slot]);
        if (procs.measured[slot]) {
            outstanding--;
            counters.completed(procs, slot, now);
        }
        procs.release(slot);
        if (memory.waitingCount(node) > 0) admitWaiting(node);
    }

    private void tick(int index) {
        int node = tickOrder[index];
        residents.bind(node, now);
        view.bind(node, now);
        long t0 = System.nanoTime();
        var decisions = policy.tick(residents, view);
        counters.tickNanos += System.nanoTime() - t0;
        counters.ticks++;
        for (Decision.Periodic d : decisions) moves.apply(node, d, residents);
        int next = index + 1 == tickOrder.length ? 0 : index + 1;
        if (next == 0) tickRound++;
        events.push(tickRound * config.tickSeconds() + tickPhase[tickOrder[next]], TICK, next);
    }

    private void gossip(int index) {
        int node = gossipOrder[index];
        int to = infra.nextInt(config.nodes() - 1);
        if (to >= node) to++;
        windows.hear(to, view.snapshot(node, now), now);
        counters.messages++;
        int next = index + 1 == gossipOrder.length ? 0 : index + 1;
        if (next == 0) gossipRound++;
        events.push(gossipRound + gossipPhase[gossipOrder[next]], GOSSIP, next);
    }

    void schedule(double t, int kind, int arg) { events.push(t, kind, arg); }

    SimView view() { return view; }

    private static int[] order(double[] phase) {
        Integer[] idx = new Integer[phase.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> Double.compare(phase[a], phase[b]));
        int[] out = new int[idx.length];
        for (int i = 0; i < out.length; i++) out[i] = idx[i];
        return out;
    }
}
