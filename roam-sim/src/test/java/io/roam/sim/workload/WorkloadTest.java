package io.roam.sim.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadTest {
    static final long MB = 1L << 20;

    @Test
    void w1IsHeavyTailedTheWayHarcholBalterAndDowneyMeasured() {
        LifetimeStats s = LifetimeStats.of(Catalog.w1(), 2_000_000, 3);
        assertThat(s.top7Share()).as("largest 7% use ≈ 75% of CPU").isBetween(0.72, 0.78);
        assertThat(s.fractionFor75()).as("≈ 7% use 75%").isBetween(0.06, 0.08);
        assertThat(s.overOneSecond()).isCloseTo(0.05, within(0.002));
        assertThat(s.sampleMean()).isCloseTo(s.exactMean(), within(0.02 * s.exactMean()));
        HeavyTailed w1 = (HeavyTailed) Catalog.w1();
        SplittableRandom r = new SplittableRandom(4);
        int over1 = 0, over10 = 0, over2 = 0;
        for (int i = 0; i < 4_000_000; i++) {
            double x = w1.sample(r);
            if (x > 1) over1++;
            if (x > 2) over2++;
            if (x > 10) over10++;
        }
        assertThat((double) over2 / over1).as("P(L > 2 | L > 1) ≈ 1/2").isCloseTo(w1.tailSurvival(2), within(0.01)).isCloseTo(0.5, within(0.02));
        assertThat((double) over10 / over1).as("P(L > 10 | L > 1) ≈ 1/10").isCloseTo(w1.tailSurvival(10), within(0.005));
    }

    @Test
    void w2HasW1sMeanAndW3aHeavierTail() {
        assertThat(Catalog.w2().mean()).isEqualTo(Catalog.w1().mean());
        LifetimeStats w2 = LifetimeStats.of(Catalog.w2(), 500_000, 3), w3 = LifetimeStats.of(Catalog.w3(), 500_000, 3);
        assertThat(w2.top7Share()).isLessThan(0.3);
        assertThat(w3.top7Share()).isGreaterThan(LifetimeStats.of(Catalog.w1(), 500_000, 3).top7Share());
        assertThat(((HeavyTailed) Catalog.w3()).alpha()).isEqualTo(0.7);
    }

    @Test
    void syntheticWorkloadsDependOnTheSeedAlone() {
        Workload a = Catalog.open("W1", 100, 2, 0.8, MemorySizes.defaults(), 9), b = Catalog.open("w1", 100, 2, 0.8, MemorySizes.defaults(), 9);
        Workload c = Catalog.open("W1", 100, 2, 0.8, MemorySizes.defaults(), 10);
        boolean differs = false;
        double last = 0;
        for (int i = 0; i < 10_000; i++) {
            Arrival x = a.next(), y = b.next(), z = c.next();
            assertThat(y).isEqualTo(x);
            assertThat(x.time()).isGreaterThan(last);
            assertThat(x.origin()).isBetween(0, 99);
            last = x.time();
            differs |= !z.equals(x);
        }
        assertThat(differs).isTrue();
        // offered load: rate × mean / (nodes × cores)
        assertThat(10_000 / last * Catalog.w1().mean() / 200).isCloseTo(0.8, within(0.03));
    }

    @Test
    void csvTraceIsReadSortedAndScaledToTheLoad(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("t.csv");
        Files.writeString(f, "arrival,cpu,memory_mb\n# a comment\n10,4,100\n0,2,\n5,0,50\n20,2,300\n");
        Trace t = CsvTrace.read(f, 2, 1, 0.5, MemorySizes.defaults(), 1);
        assertThat(t.size()).isEqualTo(3); // the cpu = 0 line is skipped
        Arrival a = t.next(), b = t.next(), c = t.next();
        assertThat(t.next()).isNull();
        // 8 CPU-s over a 20 s span on 2 cores offers 0.2; scaled to 0.5 the span becomes 8 s
        assertThat(a.time()).isZero();
        assertThat(b.time()).isCloseTo(4.0, within(1e-9));
        assertThat(c.time()).isCloseTo(8.0, within(1e-9));
        assertThat(b.cpuSeconds()).isEqualTo(4);
        assertThat(b.memoryBytes()).isEqualTo(100 * MB);
        assertThat(c.memoryBytes()).isEqualTo(300 * MB);
        assertThat(a.memoryBytes()).as("drawn when missing").isPositive();
        assertThat(t.describe()).contains("offered 0.200");
    }

    @Test
    void swfTraceUsesRunTimeTimesProcessorsAndSkipsCancelledJobs(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("t.swf");
        Files.writeString(f, """
                ; Version: 2.2
                ; MaxProcs: 128
                1 0 5 100 4 -1 1024 4 200 -1 1 1 1 1 1 -1 -1 -1
                2 60 0 -1 8 -1 -1 8 100 -1 5 1 1 1 1 -1 -1 -1
                3 120 2 30 -1 -1 -1 2 60 2048 1 1 1 1 1 -1 -1 -1
                """);
        Trace t = SwfTrace.read(f, 10, 4, 0.7, MemorySizes.defaults(), 1);
        assertThat(t.size()).isEqualTo(2);
        Arrival a = t.next(), b = t.next();
        assertThat(a.cpuSeconds()).isEqualTo(400);
        assertThat(a.memoryBytes()).isEqualTo(4 * 1024 * 1024L);
        assertThat(b.cpuSeconds()).as("requested processors when allocated is missing").isEqualTo(60);
        assertThat(b.memoryBytes()).as("requested memory when used is missing").isEqualTo(2 * 2048 * 1024L);
    }

    @Test
    void badInputsSayWhatIsWrong(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, "1,2\n3,x\n");
        assertThatThrownBy(() -> CsvTrace.read(f, 2, 1, 0.5, MemorySizes.defaults(), 1)).hasMessageContaining("bad.csv:2");
        assertThatThrownBy(() -> Catalog.open("W9", 2, 1, 0.5, MemorySizes.defaults(), 1)).hasMessageContaining("unknown workload 'W9'");
    }
}
