package io.roam.coordinator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PageProgressTest {
    @Test
    void aLineSaysHowMuchIsResidentAgainstWhatTheJobHadAndTheRate() {
        assertThat(PageProgress.line(412_000_000, 1_031_000_000, "n2", 2.0))
                .isEqualTo("pages: 412.0 MB of ~1031.0 MB resident on n2 (40%), 206.0 MB/s");
        // more than before (the job grew meanwhile): capped at 100%
        assertThat(PageProgress.line(1_100_000_000, 1_000_000_000, "n3", 1.0)).contains("(100%)");
        // what the job had is unknown (no report from the source yet)
        assertThat(PageProgress.line(5_000_000, 0, "n2", 0)).isEqualTo("pages: 5.0 MB resident on n2");
    }

    @Test
    void linesComeOnlyWhenTheFigureMovedAndNoneAfterClose() throws Exception {
        AtomicLong rss = new AtomicLong(0);
        List<String> said = new CopyOnWriteArrayList<>();
        try (var p = PageProgress.start(rss::get, 100_000_000, "n2", said::add, Duration.ofMillis(20))) {
            Thread.sleep(100);
            assertThat(said).as("nothing resident yet (no report)").isEmpty();
            rss.set(50_000_000);
            waitFor(() -> said.size() == 1);
            Thread.sleep(100);
            assertThat(said).as("the same figure again says nothing").hasSize(1);
            rss.set(100_000_000);
            waitFor(() -> said.size() == 2);
        }
        assertThat(said.get(0)).startsWith("pages: 50.0 MB of ~100.0 MB resident on n2 (50%)");
        assertThat(said.get(1)).startsWith("pages: 100.0 MB of ~100.0 MB resident on n2 (100%)");
        rss.set(200_000_000);
        Thread.sleep(100);
        assertThat(said).hasSize(2);
    }

    private static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!c.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 5 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
