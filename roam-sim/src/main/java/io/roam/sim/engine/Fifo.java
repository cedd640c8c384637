package io.roam.sim.engine;

/**
 * First come, first served on k cores: the first k admitted processes run at rate 1, the rest queue. A running
 * process's tag is its finish time; a queued one's is its remaining work. Used for the textbook checks (M/M/1,
 * power-of-d), where queues are short, so removal shifts the queue.
 */
final class Fifo extends Cpu {
    Fifo(Procs procs, int nodes, int cores) { super(procs, nodes, cores); }

    @Override void admit(int node, int slot, double remaining, double now) {
        append(node, slot);
        procs.tag[slot] = procs.pos[slot] < cores ? now + remaining : remaining;
    }

    @Override double remove(int node, int slot, double now) {
        int i = procs.pos[slot];
        double left = i < cores ? Math.max(0, procs.tag[slot] - now) : procs.tag[slot];
        removeAt(node, i, now);
        return left;
    }

    @Override int completeNext(int node, double now) {
        int best = earliest(node);
        int slot = members[node][best];
        removeAt(node, best, now);
        return slot;
    }

    @Override double nextCompletion(int node) {
        return size[node] == 0 ? Double.POSITIVE_INFINITY : procs.tag[members[node][earliest(node)]];
    }

    @Override double remaining(int slot, double now) {
        return procs.pos[slot] < cores ? Math.max(0, procs.tag[slot] - now) : procs.tag[slot];
    }

    private int earliest(int node) {
        int[] q = members[node];
        int running = Math.min(cores, size[node]), best = 0;
        for (int i = 1; i < running; i++) if (procs.tag[q[i]] < procs.tag[q[best]]) best = i;
        return best;
    }

    private void removeAt(int node, int i, double now) {
        int[] q = members[node];
        int n = --size[node];
        for (int j = i; j < n; j++) {
            q[j] = q[j + 1];
            procs.pos[q[j]] = j;
        }
        if (i < cores && n >= cores) { // the first queued process gets the freed core
            int started = q[cores - 1];
            procs.tag[started] = now + procs.tag[started];
        }
    }
}
