package io.roam.sim.engine;

/**
 * Processor sharing on k cores: each of n processes runs at rate min(1, k/n). Per node, a virtual clock V advances at
 * that rate; a process admitted with w seconds left gets the tag V + w and completes when V reaches it. The node's
 * processes sit in a min-heap by tag, so a completion or a move costs O(log n) and touches no other process.
 */
final class ProcessorSharing extends Cpu {
    private final double[] virtual;
    private final double[] last;

    ProcessorSharing(Procs procs, int nodes, int cores) {
        super(procs, nodes, cores);
        virtual = new double[nodes];
        last = new double[nodes];
    }

    private double rate(int node) {
        int n = size[node];
        return n == 0 ? 0 : Math.min(1.0, (double) cores / n);
    }

    private void advance(int node, double now) {
        virtual[node] += (now - last[node]) * rate(node);
        last[node] = now;
    }

    @Override void admit(int node, int slot, double remaining, double now) {
        advance(node, now);
        procs.tag[slot] = virtual[node] + remaining;
        append(node, slot);
        up(node, size[node] - 1);
    }

    @Override double remove(int node, int slot, double now) {
        advance(node, now);
        double left = Math.max(0, procs.tag[slot] - virtual[node]);
        removeAt(node, procs.pos[slot]);
        return left;
    }

    @Override int completeNext(int node, double now) {
        advance(node, now);
        int slot = members[node][0];
        if (procs.tag[slot] > virtual[node]) virtual[node] = procs.tag[slot]; // rounding: it is due now
        removeAt(node, 0);
        return slot;
    }

    @Override double nextCompletion(int node) {
        if (size[node] == 0) return Double.POSITIVE_INFINITY;
        double left = procs.tag[members[node][0]] - virtual[node];
        return last[node] + Math.max(0, left) / rate(node);
    }

    @Override double remaining(int slot, double now) {
        int node = procs.node[slot];
        return Math.max(0, procs.tag[slot] - (virtual[node] + (now - last[node]) * rate(node)));
    }

    private void removeAt(int node, int i) {
        int[] h = members[node];
        int lastIndex = --size[node];
        if (i == lastIndex) return;
        int moved = h[lastIndex];
        h[i] = moved;
        procs.pos[moved] = i;
        up(node, i);
        down(node, procs.pos[moved]);
    }

    private void up(int node, int i) {
        int[] h = members[node];
        int s = h[i];
        double t = procs.tag[s];
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (procs.tag[h[p]] <= t) break;
            h[i] = h[p];
            procs.pos[h[i]] = i;
            i = p;
        }
        h[i] = s;
        procs.pos[s] = i;
    }

    private void down(int node, int i) {
        int[] h = members[node];
        int n = size[node];
        if (i >= n) return;
        int s = h[i];
        double t = procs.tag[s];
        while (true) {
            int c = 2 * i + 1;
            if (c >= n) break;
            if (c + 1 < n && procs.tag[h[c + 1]] < procs.tag[h[c]]) c++;
            if (procs.tag[h[c]] >= t) break;
            h[i] = h[c];
            procs.pos[h[i]] = i;
            i = c;
        }
        h[i] = s;
        procs.pos[s] = i;
    }
}
