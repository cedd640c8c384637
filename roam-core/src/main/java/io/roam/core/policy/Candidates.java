package io.roam.core.policy;

import java.util.random.RandomGenerator;

/** Shared helpers: sampling nodes from a view, and the memory test. */
final class Candidates {
    private Candidates() {}

    /**
     * Up to {@code d} distinct nodes other than the deciding one: fresh probes of uniformly random nodes when the view
     * can probe, otherwise random reports from the window. Reports older than {@code maxAge} are skipped.
     */
    static NodeLoad[] sample(LoadView view, int d, RandomGenerator random, double maxAge) {
        if (view.canProbe()) {
            int others = view.nodeCount() - 1;
            int count = Math.min(d, others);
            NodeLoad[] out = new NodeLoad[count];
            if (count == others) {
                for (int i = 0, node = 0; node < view.nodeCount(); node++) if (node != view.self()) out[i++] = view.probe(node);
                return out;
            }
            int[] picked = new int[count];
            for (int i = 0; i < count; i++) {
                int node;
                do node = otherThan(view.self(), view.nodeCount(), random); while (contains(picked, i, node));
                picked[i] = node;
                out[i] = view.probe(node);
            }
            return out;
        }
        int known = view.knownCount();
        int[] order = new int[known];
        int fresh = 0;
        for (int i = 0; i < known; i++) if (view.known(i).ageSeconds() <= maxAge) order[fresh++] = i;
        int count = Math.min(d, fresh);
        NodeLoad[] out = new NodeLoad[count];
        for (int i = 0; i < count; i++) { // partial Fisher-Yates over the fresh reports
            int j = i + random.nextInt(fresh - i);
            int t = order[i]; order[i] = order[j]; order[j] = t;
            out[i] = view.known(order[i]);
        }
        return out;
    }

    /** A uniformly random node other than {@code self} (requires at least two nodes). */
    static int otherThan(int self, int nodes, RandomGenerator random) {
        int node = random.nextInt(nodes - 1);
        return node >= self ? node + 1 : node;
    }

    /** The load of {@code node} as the view knows it: exact for the deciding node, a probe, or a window report. */
    static NodeLoad loadOf(LoadView view, int node) {
        if (node == view.self()) return view.local();
        if (view.canProbe()) return view.probe(node);
        for (int i = 0; i < view.knownCount(); i++) if (view.known(i).node() == node) return view.known(i);
        return null;
    }

    private static boolean contains(int[] a, int n, int v) {
        for (int i = 0; i < n; i++) if (a[i] == v) return true;
        return false;
    }
}
