package io.roam.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ClusterSnapshotTest {
    @Test
    void viewsReadTheLatestReportsAged() {
        ClusterSnapshot s = new ClusterSnapshot(4);
        s.report(0, 3, 2, 1 << 30, 1, 10.0);
        s.report(2, 0, 2, 4L << 30, 0, 12.5);
        LoadView v = s.probing(0, 14.0);
        assertThat(v.local()).isEqualTo(new NodeLoad(0, 3, 2, 1 << 30, 1, 0));
        assertThat(v.probe(2)).isEqualTo(new NodeLoad(2, 0, 2, 4L << 30, 0, 1.5));
        assertThat(v.knownCount()).isZero();
        LoadView w = s.windowed(0, 14.0, new int[] {2});
        assertThat(w.canProbe()).isFalse();
        assertThat(w.known(0).node()).isEqualTo(2);
        assertThatThrownBy(() -> w.probe(2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> s.report(1, 1, 0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void roamPlacesOnTheSnapshotAsInTheSimulator() {
        ClusterSnapshot s = new ClusterSnapshot(100);
        for (int i = 0; i < 100; i++) s.report(i, i == 42 ? 0 : 3, 1, 8L << 30, 0, 0);
        Decision.Place p = new RoamPolicy(PolicySettings.defaults().withProbes(99), new SplittableRandom(1)).place(new Birth(1, 1 << 20), s.probing(7, 1));
        assertThat(p.node()).isEqualTo(42);
    }
}
