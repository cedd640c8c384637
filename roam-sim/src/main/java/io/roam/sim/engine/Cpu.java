package io.roam.sim.engine;

import java.util.Arrays;

/**
 * How a node's cores serve the processes admitted to it. Each node keeps its admitted processes (slots) in an int
 * array; where a process sits in it is {@code Procs.pos}.
 */
abstract sealed class Cpu permits ProcessorSharing, Fifo {
    final Procs procs;
    final int cores;
    final int[][] members;
    final int[] size;

    Cpu(Procs procs, int nodes, int cores) {
        this.procs = procs;
        this.cores = cores;
        this.members = new int[nodes][];
        for (int i = 0; i < nodes; i++) members[i] = new int[4];
        this.size = new int[nodes];
    }

    /** Admits {@code slot} to {@code node} with {@code remaining} CPU seconds left to run. */
    abstract void admit(int node, int slot, double remaining, double now);

    /** Takes {@code slot} off {@code node} (it is moving away); returns its remaining CPU seconds. */
    abstract double remove(int node, int slot, double now);

    /** Takes off the process whose completion is due now (the node's {@link #nextCompletion}); returns its slot. */
    abstract int completeNext(int node, double now);

    /** When the next process on {@code node} completes, +∞ if none. */
    abstract double nextCompletion(int node);

    /** CPU seconds {@code slot} (admitted to its node) still needs at {@code now}. */
    abstract double remaining(int slot, double now);

    int count(int node) { return size[node]; }

    int member(int node, int i) { return members[node][i]; }

    void append(int node, int slot) {
        int n = size[node];
        if (n == members[node].length) members[node] = Arrays.copyOf(members[node], n * 2);
        members[node][n] = slot;
        procs.pos[slot] = n;
        size[node] = n + 1;
    }

    static Cpu create(String discipline, Procs procs, int nodes, int cores) {
        return switch (discipline) {
            case "ps" -> new ProcessorSharing(procs, nodes, cores);
            case "fifo" -> new Fifo(procs, nodes, cores);
            default -> throw new IllegalArgumentException("unknown discipline '" + discipline + "': use ps or fifo");
        };
    }
}
