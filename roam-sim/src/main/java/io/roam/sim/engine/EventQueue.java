package io.roam.sim.engine;

import java.util.Arrays;

/**
 * A binary min-heap of timed events on primitive arrays: time, kind and one int argument. Ties in time are broken by
 * insertion order, so a seeded run is reproducible bit for bit.
 */
final class EventQueue {
    private double[] time = new double[256];
    private long[] seq = new long[256];
    private int[] kind = new int[256];
    private int[] arg = new int[256];
    private int size;
    private long counter;

    boolean isEmpty() { return size == 0; }

    int size() { return size; }

    double peekTime() { return size == 0 ? Double.POSITIVE_INFINITY : time[0]; }

    int peekKind() { return kind[0]; }

    int peekArg() { return arg[0]; }

    void push(double t, int k, int a) {
        if (!(t >= 0) || Double.isInfinite(t)) throw new IllegalArgumentException("event time " + t);
        if (size == time.length) grow();
        int i = size++;
        long s = counter++;
        while (i > 0) { // sift up
            int parent = (i - 1) >>> 1;
            if (!less(t, s, time[parent], seq[parent])) break;
            move(parent, i);
            i = parent;
        }
        set(i, t, s, k, a);
    }

    /** Removes the earliest event (read it first with the peek methods). */
    void pop() {
        int last = --size;
        if (last == 0) return;
        double t = time[last];
        long s = seq[last];
        int k = kind[last], a = arg[last];
        int i = 0;
        while (true) { // sift down
            int child = 2 * i + 1;
            if (child >= last) break;
            if (child + 1 < last && less(time[child + 1], seq[child + 1], time[child], seq[child])) child++;
            if (!less(time[child], seq[child], t, s)) break;
            move(child, i);
            i = child;
        }
        set(i, t, s, k, a);
    }

    private static boolean less(double t1, long s1, double t2, long s2) { return t1 < t2 || (t1 == t2 && s1 < s2); }

    private void move(int from, int to) { set(to, time[from], seq[from], kind[from], arg[from]); }

    private void set(int i, double t, long s, int k, int a) { time[i] = t; seq[i] = s; kind[i] = k; arg[i] = a; }

    private void grow() {
        int n = time.length * 2;
        time = Arrays.copyOf(time, n);
        seq = Arrays.copyOf(seq, n);
        kind = Arrays.copyOf(kind, n);
        arg = Arrays.copyOf(arg, n);
    }
}
