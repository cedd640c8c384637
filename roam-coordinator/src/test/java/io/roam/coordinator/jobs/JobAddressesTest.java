package io.roam.coordinator.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.coordinator.store.ZkAddressStore;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.core.JobId;
import io.roam.core.net.JobAddressPool;
import io.roam.proto.JobInfo;
import io.roam.proto.JobSpec;
import io.roam.proto.JobState;
import java.util.HashSet;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Address claims against a real ZooKeeper (Curator's TestingServer). */
class JobAddressesTest {
    private TestingServer zk;
    private CuratorFramework curator;
    private ZkJobStore jobs;
    private ZkAddressStore claims;

    @BeforeEach void start() throws Exception {
        zk = new TestingServer(true);
        curator = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
        curator.start();
        assertThat(curator.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
        jobs = new ZkJobStore(curator);
        claims = new ZkAddressStore(curator);
    }

    @AfterEach void stop() throws Exception {
        curator.close();
        zk.close();
    }

    private JobAddresses addresses(String cidr, long seed) {
        return new JobAddresses(Optional.of(JobAddressPool.parse(cidr)), claims, jobs, new Random(seed));
    }

    /** A job record as the submission writes it: created first, then given the claimed address. */
    private String submit(JobAddresses a, String id, JobState state) {
        jobs.create(JobInfo.newBuilder().setId(id).setState(state).setSpec(JobSpec.newBuilder().setNet(true)).build());
        String address = a.allocate(JobId.of(id)).orElseThrow();
        var v = jobs.get(JobId.of(id)).orElseThrow();
        assertThat(jobs.replace(v.value().toBuilder().setNetAddress(address).build(), v.version())).isTrue();
        return address;
    }

    @Test void concurrentSubmissionsNeverShareAnAddress() throws Exception {
        var pool = Executors.newFixedThreadPool(8);
        var tasks = new java.util.ArrayList<Callable<String>>();
        for (int i = 0; i < 40; i++) {
            String id = "j" + i;
            JobAddresses a = addresses("10.130.7.0/26", i % 3);   // 62 addresses, starts that collide often
            tasks.add(() -> submit(a, id, JobState.RUNNING));
        }
        Set<String> seen = new HashSet<>();
        for (var f : pool.invokeAll(tasks)) assertThat(seen.add(f.get())).as("handed out twice").isTrue();
        pool.shutdown();
        assertThat(seen).hasSize(40).allMatch(JobAddressPool.parse("10.130.7.0/26")::contains);
    }

    @Test void aFullRangeSaysSoAndAFinishedOrRemovedJobsAddressIsFreeAgain() {
        JobAddresses a = addresses("10.130.7.0/30", 1);   // two addresses
        String first = submit(a, "a", JobState.RUNNING);
        String second = submit(a, "b", JobState.CHECKPOINTED);
        assertThat(first).isNotEqualTo(second);
        jobs.create(JobInfo.newBuilder().setId("c").setState(JobState.PENDING).build());
        assertThat(a.allocate(JobId.of("c"))).as("both taken: a runs, b is checkpointed and keeps its address").isEmpty();

        var b = jobs.get(JobId.of("b")).orElseThrow();
        jobs.replace(b.value().toBuilder().setState(JobState.EXITED).build(), b.version());
        assertThat(a.allocate(JobId.of("c"))).contains(second);
        assertThat(claims.owner(second).orElseThrow().value()).isEqualTo(JobId.of("c"));

        var ra = jobs.get(JobId.of("a")).orElseThrow();
        jobs.delete(JobId.of("a"), ra.version());        // roam rm
        jobs.create(JobInfo.newBuilder().setId("d").setState(JobState.PENDING).build());
        assertThat(a.allocate(JobId.of("d"))).contains(first);
    }

    @Test void withoutARangeNetIsRefusedWithTheReason() {
        var none = new JobAddresses(Optional.empty(), claims, jobs);
        assertThat(none.unavailable()).get().asString().contains("--job-net").contains("roam up --nodes");
    }
}
