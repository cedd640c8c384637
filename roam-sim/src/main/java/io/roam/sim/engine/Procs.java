package io.roam.sim.engine;

import java.util.Arrays;

/**
 * The live processes, as parallel primitive arrays indexed by slot; a slot is recycled when its process completes,
 * so the tables stay as small as the number of processes alive at once.
 */
final class Procs {
    static final byte FREE = 0, WAITING = 1, ADMITTED = 2, MOVING = 3;

    long[] id = new long[1024];
    double[] arrival = new double[1024];
    double[] cpu = new double[1024];
    /** Discipline-specific: PS finish tag (virtual time), FIFO finish time or remaining work; remaining while moving or waiting. */
    double[] tag = new double[1024];
    long[] memory = new long[1024];
    int[] node = new int[1024];
    /** The node still holding the process's memory while it moves, or -1. */
    int[] from = new int[1024];
    int[] migrations = new int[1024];
    /** Position in the node's container (heap index under PS, queue index under FIFO). */
    int[] pos = new int[1024];
    int[] waitNext = new int[1024];
    int[] waitPrev = new int[1024];
    byte[] state = new byte[1024];
    boolean[] measured = new boolean[1024];
    /** True if memory was reserved on the target when the move started. */
    boolean[] reserved = new boolean[1024];
    /** True once the process has had to wait for memory somewhere. */
    boolean[] waited = new boolean[1024];
    private int[] freeList = new int[1024];
    private int freeCount;
    private int used;
    private int live;

    int alloc() {
        live++;
        if (freeCount > 0) return freeList[--freeCount];
        if (used == id.length) grow();
        return used++;
    }

    void release(int slot) {
        state[slot] = FREE;
        live--;
        if (freeCount == freeList.length) freeList = Arrays.copyOf(freeList, freeList.length * 2);
        freeList[freeCount++] = slot;
    }

    int live() { return live; }

    /** Slots ever used (live ones are below this). */
    int capacity() { return used; }

    private void grow() {
        int n = id.length * 2;
        id = Arrays.copyOf(id, n);
        arrival = Arrays.copyOf(arrival, n);
        cpu = Arrays.copyOf(cpu, n);
        tag = Arrays.copyOf(tag, n);
        memory = Arrays.copyOf(memory, n);
        node = Arrays.copyOf(node, n);
        from = Arrays.copyOf(from, n);
        migrations = Arrays.copyOf(migrations, n);
        pos = Arrays.copyOf(pos, n);
        waitNext = Arrays.copyOf(waitNext, n);
        waitPrev = Arrays.copyOf(waitPrev, n);
        state = Arrays.copyOf(state, n);
        measured = Arrays.copyOf(measured, n);
        reserved = Arrays.copyOf(reserved, n);
        waited = Arrays.copyOf(waited, n);
    }
}
