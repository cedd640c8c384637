package io.roam.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EventQueueTest {
    @Test
    void popsInTimeOrderAndTiesInInsertionOrder() {
        EventQueue q = new EventQueue();
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 10_000; i++) q.push(r.nextInt(500) / 10.0, 0, i);
        double last = -1;
        int lastArg = -1;
        while (!q.isEmpty()) {
            double t = q.peekTime();
            int arg = q.peekArg();
            q.pop();
            assertThat(t).isGreaterThanOrEqualTo(last);
            if (t == last) assertThat(arg).as("ties keep insertion order").isGreaterThan(lastArg);
            last = t;
            lastArg = arg;
        }
        assertThat(q.peekTime()).isInfinite();
    }

    @Test
    void nodeClockAlwaysOffersTheEarliestNode() {
        NodeClock c = new NodeClock(100);
        double[] key = new double[100];
        java.util.Arrays.fill(key, Double.POSITIVE_INFINITY);
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 20_000; i++) {
            int node = r.nextInt(100);
            key[node] = r.nextInt(10) == 0 ? Double.POSITIVE_INFINITY : r.nextDouble(1000);
            c.update(node, key[node]);
            double min = Double.POSITIVE_INFINITY;
            for (double k : key) min = Math.min(min, k);
            assertThat(c.peekTime()).isEqualTo(min);
            assertThat(key[c.peekNode()]).isEqualTo(min);
        }
    }
}
