package io.roam.sim.engine;

/**
 * Each node's memory: what its admitted processes (and processes moving in, once reserved) hold, and a FIFO list of
 * processes that arrived without room and wait for it (linked through {@code Procs.waitNext/waitPrev}).
 */
final class Memory {
    private final Procs procs;
    final long capacity;
    private final long[] held;
    private final long[] waitingBytes;
    private final int[] waitHead;
    private final int[] waitTail;
    private final int[] waiting;

    Memory(Procs procs, int nodes, long capacity) {
        this.procs = procs;
        this.capacity = capacity;
        held = new long[nodes];
        waitingBytes = new long[nodes];
        waitHead = new int[nodes];
        waitTail = new int[nodes];
        waiting = new int[nodes];
        java.util.Arrays.fill(waitHead, -1);
        java.util.Arrays.fill(waitTail, -1);
    }

    /** Capacity minus what is held, reserved and waited for (negative when processes wait). */
    long free(int node) { return capacity - held[node] - waitingBytes[node]; }

    boolean fits(int node, long bytes) { return capacity - held[node] >= bytes; }

    void hold(int node, long bytes) { held[node] += bytes; }

    void release(int node, long bytes) { held[node] -= bytes; }

    int waitingCount(int node) { return waiting[node]; }

    int firstWaiting(int node) { return waitHead[node]; }

    void enqueue(int node, int slot) {
        procs.waitNext[slot] = -1;
        procs.waitPrev[slot] = waitTail[node];
        if (waitTail[node] >= 0) procs.waitNext[waitTail[node]] = slot; else waitHead[node] = slot;
        waitTail[node] = slot;
        waiting[node]++;
        waitingBytes[node] += procs.memory[slot];
    }

    void unlink(int node, int slot) {
        int p = procs.waitPrev[slot], n = procs.waitNext[slot];
        if (p >= 0) procs.waitNext[p] = n; else waitHead[node] = n;
        if (n >= 0) procs.waitPrev[n] = p; else waitTail[node] = p;
        waiting[node]--;
        waitingBytes[node] -= procs.memory[slot];
    }
}
