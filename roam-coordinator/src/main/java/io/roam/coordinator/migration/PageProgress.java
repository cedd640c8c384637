package io.roam.coordinator.migration;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Progress lines for a post-copy page phase, which CRIU's lazy-pages daemon does not report: the job's resident
 * memory on the target (from the target's load reports, every second) against what it had on the source before the
 * move. A page the daemon has copied in, or the job has faulted in, counts; so a job that frees memory meanwhile ends
 * below 100%, which is why the line says "resident", not "arrived". A line only when the figure moved.
 */
final class PageProgress implements AutoCloseable {
    static final Duration EVERY = Duration.ofSeconds(2);

    private final LongSupplier resident;
    private final long expected;
    private final String target;
    private final Consumer<String> say;
    private final Thread thread;
    private volatile boolean done;

    private PageProgress(LongSupplier resident, long expected, String target, Consumer<String> say, Duration every) {
        this.resident = resident;
        this.expected = expected;
        this.target = target;
        this.say = say;
        this.thread = Thread.ofVirtual().name("live-pages-progress").start(() -> loop(every));
    }

    /** Starts saying, every {@code every}, how much of {@code expected} bytes (0: unknown) is resident on {@code target}. */
    static PageProgress start(LongSupplier resident, long expected, String target, Consumer<String> say, Duration every) {
        return new PageProgress(resident, expected, target, say, every);
    }

    private void loop(Duration every) {
        long t0 = System.nanoTime(), last = -1;
        while (!done) {
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                return;
            }
            long now = resident.getAsLong();
            if (done || now <= 0 || now == last) continue;
            last = now;
            say.accept(line(now, expected, target, (System.nanoTime() - t0) / 1e9));
        }
    }

    /** For example {@code pages: 412.0 MB of ~1031.0 MB resident on n2 (40%), 206.0 MB/s}. */
    static String line(long resident, long expected, String target, double seconds) {
        String rate = seconds > 0 ? String.format(Locale.ROOT, ", %.1f MB/s", resident / 1e6 / seconds) : "";
        if (expected <= 0) return String.format(Locale.ROOT, "pages: %.1f MB resident on %s%s", resident / 1e6, target, rate);
        return String.format(Locale.ROOT, "pages: %.1f MB of ~%.1f MB resident on %s (%d%%)%s", resident / 1e6, expected / 1e6, target,
                Math.min(100, Math.round(100.0 * resident / expected)), rate);
    }

    /** Stops the lines; none comes after this returns. */
    @Override
    public void close() {
        done = true;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
