package io.roam.sim.engine;

/**
 * An indexed binary min-heap holding every node once, keyed by the time its next process completes (+∞ if none).
 * A change at one node re-keys it in O(log n); nothing else is touched.
 */
final class NodeClock {
    private final double[] key;
    private final int[] heap;
    private final int[] pos;

    NodeClock(int nodes) {
        key = new double[nodes];
        heap = new int[nodes];
        pos = new int[nodes];
        for (int i = 0; i < nodes; i++) { key[i] = Double.POSITIVE_INFINITY; heap[i] = i; pos[i] = i; }
    }

    double peekTime() { return key[heap[0]]; }

    int peekNode() { return heap[0]; }

    void update(int node, double t) {
        double old = key[node];
        key[node] = t;
        if (t < old) up(pos[node]); else if (t > old) down(pos[node]);
    }

    private boolean less(int a, int b) { return key[a] < key[b] || (key[a] == key[b] && a < b); }

    private void up(int i) {
        int n = heap[i];
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!less(n, heap[p])) break;
            place(heap[p], i);
            i = p;
        }
        place(n, i);
    }

    private void down(int i) {
        int n = heap[i], size = heap.length;
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) break;
            if (c + 1 < size && less(heap[c + 1], heap[c])) c++;
            if (!less(heap[c], n)) break;
            place(heap[c], i);
            i = c;
        }
        place(n, i);
    }

    private void place(int node, int i) { heap[i] = node; pos[node] = i; }
}
