package io.roam.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.proto.RoamEvent;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The event log against a real ZooKeeper: sequence numbers from 1, reading after a seq, bounded by trimming. */
class ZkEventStoreTest {
    private TestingServer zk;
    private CuratorFramework curator;

    @BeforeEach void start() throws Exception {
        zk = new TestingServer(true);
        curator = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
        curator.start();
        assertThat(curator.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
    }

    @AfterEach void stop() throws Exception {
        curator.close();
        zk.close();
    }

    private static RoamEvent event(int i) { return RoamEvent.newBuilder().setKind("migrate").setJob("j" + i).setTimeMs(i).build(); }

    @Test
    void appendsInOrderAndReadsAfterASeq() {
        var store = new ZkEventStore(curator, 1000);
        assertThat(store.append(event(0)).getSeq()).isEqualTo(1);
        assertThat(store.append(event(1)).getSeq()).isEqualTo(2);
        store.append(event(2));
        assertThat(store.after(0)).extracting(RoamEvent::getJob).containsExactly("j0", "j1", "j2");
        assertThat(store.after(2)).extracting(RoamEvent::getSeq).containsExactly(3L);
        // a second coordinator (a standby taking over) reads the same log
        assertThat(new ZkEventStore(curator, 1000).after(0)).hasSize(3);
    }

    @Test
    void keepsOnlyTheNewest() {
        var store = new ZkEventStore(curator, 30);
        for (int i = 0; i < 2 * ZkEventStore.TRIM_EVERY + 7; i++) store.append(event(i));
        var kept = store.after(0);
        assertThat(kept.size()).isBetween(30, 30 + ZkEventStore.TRIM_EVERY);
        assertThat(kept.getLast().getJob()).isEqualTo("j" + (2 * ZkEventStore.TRIM_EVERY + 6));
        store.trim();
        assertThat(store.after(0)).hasSize(30).first().extracting(RoamEvent::getJob).isEqualTo("j" + (2 * ZkEventStore.TRIM_EVERY + 7 - 30));
    }
}
