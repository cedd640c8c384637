package io.roam.coordinator.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.core.policy.Decision;
import io.roam.core.policy.Policies;
import io.roam.core.policy.PolicySettings;
import io.roam.proto.JobInfo;
import io.roam.proto.JobSpec;
import io.roam.proto.JobState;
import io.roam.proto.JobStats;
import io.roam.proto.NodeInfo;
import io.roam.proto.NodeLoad;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The decision glue with a fixed clock: residents and loads built from reports and records, fed to the real policies. */
class TickInputsTest {
    static final long NOW = 1_000_000;
    private final JobCpu cpu = new JobCpu();
    private final MigrationGate gate = new MigrationGate(BalanceSettings.defaults());

    static NodeInfo node(String id, String state) {
        return NodeInfo.newBuilder().setId(id).setState(state).setLastReportMs(NOW - 500)
                .setLoad(NodeLoad.newBuilder().setCores(2).setMemFreeBytes(8L << 30).setLoad1(7.0)).build();
    }

    static JobInfo job(String id, String node, JobState state, long ageMs) {
        return JobInfo.newBuilder().setId(id).setNode(node).setState(state).setCreatedMs(NOW - ageMs)
                .setSpec(JobSpec.newBuilder().setUid(1000)).build();
    }

    private void report(String job, double cpuSeconds, double rate) { report(job, cpuSeconds, rate, NOW - 500); }

    private void report(String job, double cpuSeconds, double rate, long at) {
        cpu.observe(job, JobStats.newBuilder().setJob(job).setAlive(true).setCpuSeconds(cpuSeconds).setCpuRate(rate).build(), at);
    }

    @Test
    void residentsAndLoadComeFromReportsAndRecords() {
        List<JobInfo> jobs = List.of(job("busy", "n1", JobState.RUNNING, 60_000), job("idle", "n1", JobState.RUNNING, 30_000),
                job("gone", "n1", JobState.EXITED, 90_000), job("moving", "n1", JobState.MIGRATING, 10_000),
                job("elsewhere", "n2", JobState.RUNNING, 5_000));
        report("busy", 12.5, 0.9);
        report("idle", 0.3, 0.0, NOW - 1500);   // a first report has no rate yet: busy until the second says otherwise
        report("idle", 0.3, 0.0);
        report("elsewhere", 0.4, 0.4);
        var in = TickInputs.build(List.of(node("n1", "up"), node("n2", "up"), node("n3", "down")), jobs, cpu, gate, j -> 64L << 20, NOW);
        assertThat(in.nodeCount()).isEqualTo(2);                       // n3 is down: not in the view
        var r = in.residents(0);
        assertThat(r.count()).isEqualTo(2);                            // only RUNNING jobs move
        var busy = r.all().stream().filter(x -> in.job(x.id()).getId().equals("busy")).findFirst().orElseThrow();
        assertThat(busy.cpuSeconds()).isEqualTo(12.5);
        assertThat(busy.ageSeconds()).isEqualTo(60.0);
        assertThat(busy.memoryBytes()).isEqualTo(64L << 20);
        var n1 = in.snapshot().load(0, NOW / 1000.0);
        assertThat(n1.runnable()).as("busy roam jobs, not the machine's load average").isEqualTo(1);
        assertThat(n1.longRunning()).isEqualTo(1);
        assertThat(n1.ageSeconds()).isEqualTo(0.5);
        assertThat(in.snapshot().load(1, NOW / 1000.0).runnable()).isEqualTo(1); // a job with no rate yet counts as busy
    }

    @Test
    void theRoamPolicySpreadsOldBusyJobsAndNeverPicksANodeThatTakesNoJobs() {
        List<JobInfo> jobs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            jobs.add(job("long" + i, "n1", JobState.RUNNING, 20_000));
            report("long" + i, 5.0 + i, 0.5);
        }
        jobs.add(job("young", "n1", JobState.RUNNING, 1_000));
        report("young", 0.2, 0.5);
        var in = TickInputs.build(List.of(node("n1", "up"), node("n2", "owner"), node("n3", "up"), node("n4", "draining")),
                jobs, cpu, gate, j -> 1L << 20, NOW);
        assertThat(in.accepts(1)).isFalse();
        assertThat(in.accepts(3)).isFalse();
        var policy = Policies.create("roam", PolicySettings.defaults(), new SplittableRandom(7));
        var decisions = policy.tick(in.residents(0), in.snapshot().probing(0, NOW / 1000.0));
        assertThat(decisions).hasSize(2);                              // the policy's cap per node and tick
        var first = (Decision.Migrate) decisions.get(0);
        var second = (Decision.Migrate) decisions.get(1);
        assertThat(in.node(first.to()).value()).isEqualTo("n3");       // the only node that takes jobs
        assertThat(in.node(second.to()).value()).isEqualTo("n3");
        assertThat(in.job(first.process()).getId()).isEqualTo("long3"); // the oldest by CPU first
        assertThat(in.job(second.process()).getId()).isEqualTo("long2");
        assertThat(first.why().text()).startsWith("roam: age 8 s");
    }

    @Test
    void withTwoFreeNodesTheBurstSpreadsOverBoth() {
        List<JobInfo> jobs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            jobs.add(job("long" + i, "n1", JobState.RUNNING, 20_000));
            report("long" + i, 5.0 + i, 0.5);
        }
        var in = TickInputs.build(List.of(node("n1", "up"), node("n2", "up"), node("n3", "up")), jobs, cpu, gate, j -> 1L << 20, NOW);
        var decisions = Policies.create("roam", PolicySettings.defaults(), new SplittableRandom(1))
                .tick(in.residents(0), in.snapshot().probing(0, NOW / 1000.0));
        var targets = new HashSet<String>();
        for (var d : decisions) targets.add(in.node(((Decision.Migrate) d).to()).value());
        assertThat(targets).containsExactlyInAnyOrder("n2", "n3");
    }

    @Test
    void localOnlyNeverMovesAnything() {
        List<JobInfo> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            jobs.add(job("long" + i, "n1", JobState.RUNNING, 60_000));
            report("long" + i, 30.0, 1.0);
        }
        var in = TickInputs.build(List.of(node("n1", "up"), node("n2", "up")), jobs, cpu, gate, j -> 0L, NOW);
        assertThat(Policies.create("local", PolicySettings.defaults(), new SplittableRandom(1))
                .tick(in.residents(0), in.snapshot().probing(0, NOW / 1000.0))).isEmpty();
    }

    @Test
    void movesAlreadyMadeCountAgainstThePolicysLimit() {
        gate.started("j");
        gate.finished("j", true, NOW - Duration.ofMinutes(5).toMillis());
        var in = TickInputs.build(List.of(node("n1", "up"), node("n2", "up")), List.of(job("j", "n1", JobState.RUNNING, 1000)), cpu, gate, j -> 0L, NOW);
        assertThat(in.residents(0).migrations(0)).isEqualTo(1);
    }
}
