package io.roam.agent.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadMonitorTest {
    @TempDir Path proc;

    @Test
    void readsRunnableTasksPressureAndMemory() throws IOException {
        Files.writeString(proc.resolve("loadavg"), "1.50 0.80 0.40 4/321 12345\n");
        Files.createDirectories(proc.resolve("pressure"));
        Files.writeString(proc.resolve("pressure/cpu"), "some avg10=12.34 avg60=5.00 avg300=1.00 total=999\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        Files.writeString(proc.resolve("meminfo"), "MemTotal:       24000000 kB\nMemFree:        1000 kB\nMemAvailable:   20000000 kB\n");
        var load = new LoadMonitor(proc).sample(3);
        assertThat(load.getRunnable()).isEqualTo(3);
        assertThat(load.getLoad1()).isEqualTo(1.5);
        assertThat(load.getCpuPressure()).isEqualTo(12.34);
        assertThat(load.getMemFreeBytes()).isEqualTo(20000000L * 1024);
        assertThat(load.getMemTotalBytes()).isEqualTo(24000000L * 1024);
        assertThat(load.getJobs()).isEqualTo(3);
    }

    @Test
    void theRealProcIsReadable() {
        var load = new LoadMonitor().sample(0);
        assertThat(load.getMemTotalBytes()).isPositive();
        assertThat(load.getCores()).isPositive();
    }
}
