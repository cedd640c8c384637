package io.roam.coordinator.loop;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader's periodic loop (the balancer, the keeper): calls {@code tick} every {@code period} on a virtual thread
 * until closed; a tick that throws is logged and the next one runs as usual.
 */
public final class TickLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TickLoop.class);
    private final Thread thread;
    private final Duration period;

    public TickLoop(String name, Duration period, Runnable tick) {
        this.period = period;
        this.thread = Thread.ofVirtual().name(name).start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    tick.run();
                } catch (RuntimeException e) {
                    LOG.warn("{} tick failed: {}", name, e.toString());
                }
                try {
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Stops the loop and waits (a few periods at most) for a running tick to end. */
    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(period.multipliedBy(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
