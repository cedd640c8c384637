package io.roam.coordinator.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.coordinator.store.ZkNodeStore;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.proto.JobStats;
import io.roam.proto.NodeInfo;
import io.roam.proto.NodeLoad;
import io.roam.proto.NodeReport;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/** Nodes go down after 5 s without a report, come back with the next one, and outlive the coordinator in ZooKeeper. */
class MembershipTest {
    @Test void upDownAndPersistence() throws Exception {
        try (TestingServer zk = new TestingServer(true);
             CuratorFramework curator = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
            curator.start();
            assertThat(curator.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
            AtomicLong now = new AtomicLong(1_000_000);
            Membership m = new Membership(new ZkNodeStore(curator), now::get);
            m.register(NodeInfo.newBuilder().setId("n1").setAddress("10.0.0.1:7001").setLoad(NodeLoad.newBuilder().setCores(4)).build());
            NodeId n1 = NodeId.of("n1");
            assertThat(m.isUp(n1)).isTrue();
            now.addAndGet(5_000);
            assertThat(m.isUp(n1)).as("exactly 5 s: still up").isTrue();
            now.addAndGet(1);
            assertThat(m.node(n1).orElseThrow().getState()).isEqualTo(Membership.DOWN);
            assertThat(m.candidates()).singleElement().satisfies(c -> assertThat(c.up()).isFalse());

            assertThat(m.report(NodeReport.newBuilder().setNode("n1").setLoad(NodeLoad.newBuilder().setCores(4).setRunnable(1).setLoad1(3.2).setJobs(2))
                    .addJobs(JobStats.newBuilder().setJob("j1").setRssBytes(1234).setAlive(true)).build())).isTrue();
            assertThat(m.isUp(n1)).isTrue();
            assertThat(m.rss(JobId.of("j1"), "n1")).isEqualTo(1234);
            assertThat(m.rss(JobId.of("j2"), "n1")).isZero();
            m.placed(n1);
            assertThat(m.candidates()).singleElement().satisfies(c -> {
                assertThat(c.runnable()).isEqualTo(3);
                assertThat(c.jobs()).isEqualTo(3);
            });
            assertThat(m.report(NodeReport.newBuilder().setNode("n9").build())).as("never registered").isFalse();

            Membership restarted = new Membership(new ZkNodeStore(curator), now::get);
            assertThat(restarted.address(n1)).contains("10.0.0.1:7001");
            assertThat(restarted.isUp(n1)).as("down until it reports to this coordinator").isFalse();
            assertThat(restarted.report(NodeReport.newBuilder().setNode("n1").build())).isTrue();
            assertThat(restarted.isUp(n1)).isTrue();
        }
    }
}
