package io.roam.coordinator.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.roam.proto.JobStats;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobCpuTest {
    private static JobStats stats(double cpu, double rate) { return JobStats.newBuilder().setJob("j").setAlive(true).setCpuSeconds(cpu).setCpuRate(rate).build(); }

    @Test
    void aNewJobCountsAsBusyUntilItsRateIsKnown() {
        var cpu = new JobCpu();
        assertThat(cpu.busy("j")).isTrue();
        cpu.observe("j", stats(0, 0), 1_000);
        assertThat(cpu.busy("j")).isTrue();
        cpu.observe("j", stats(0, 0), 1_000); // the same report again changes nothing
        assertThat(cpu.busy("j")).isTrue();
        cpu.observe("j", stats(0.01, 0.01), 2_000);
        assertThat(cpu.busy("j")).isFalse();
        cpu.observe("j", stats(0.9, 0.9), 3_000);
        assertThat(cpu.busy("j")).isTrue();
    }

    @Test
    void cpuTimeAddsUpAcrossAMigrationWhoseCountersRestartAtZero() {
        var cpu = new JobCpu();
        cpu.observe("j", stats(5.0, 1.0), 1_000);
        cpu.observe("j", stats(7.5, 1.0), 2_000);
        cpu.observe("j", stats(0.2, 0), 5_000);      // restored on the target: its first report has no rate yet
        assertThat(cpu.cpuSeconds("j")).isCloseTo(7.7, within(1e-9));
        assertThat(cpu.busy("j")).isTrue();           // keeps the verdict from before the move
        cpu.observe("j", stats(1.2, 1.0), 6_000);
        assertThat(cpu.cpuSeconds("j")).isCloseTo(8.7, within(1e-9));
        cpu.retain(Set.of());
        assertThat(cpu.cpuSeconds("j")).isZero();
    }
}
