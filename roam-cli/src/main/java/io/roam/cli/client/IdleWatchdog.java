package io.roam.cli.client;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;

/** Closes a channel when no activity was reported for a given time, which unblocks a reader stuck on it. */
final class IdleWatchdog implements AutoCloseable {
    private final Closeable target;
    private final long idleNanos;
    private final Thread thread;
    private volatile long lastActivity = System.nanoTime();
    private volatile boolean fired;
    private volatile boolean closed;

    private IdleWatchdog(Closeable target, Duration idle) {
        this.target = target;
        this.idleNanos = idle.toNanos();
        this.thread = Thread.ofVirtual().name("roam-cli-idle-watchdog").unstarted(this::watch);
    }

    static IdleWatchdog start(Closeable target, Duration idle) {
        var w = new IdleWatchdog(target, idle);
        w.thread.start();
        return w;
    }

    void touch() { lastActivity = System.nanoTime(); }

    boolean fired() { return fired; }

    private void watch() {
        try {
            while (!closed) {
                long left = lastActivity + idleNanos - System.nanoTime();
                if (left <= 0) {
                    fired = true;
                    target.close();
                    return;
                }
                Thread.sleep(Duration.ofNanos(left));
            }
        } catch (InterruptedException e) {
            // closed: the call ended in time
        } catch (IOException e) {
            // closing failed: the reader is unblocked by the call's own close
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
