package io.roam.coordinator.jobs;

import io.roam.core.JobId;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes waiters (WaitJob) when a job record changes. Fed by the state machine's NotifyWaiters side effect, after the
 * store commit. Waiters re-read the store after every wake-up (and at least every second), so a missed or
 * coarse-grained signal only costs latency.
 */
public final class JobNotifier {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long generation;

    public void changed(JobId job) {
        lock.lock();
        try {
            generation++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A token to pass to {@link #awaitChange}: take it before reading the store. */
    public long generation() {
        lock.lock();
        try {
            return generation;
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until some job changed after {@code seen} was taken, or {@code max} has passed. */
    public void awaitChange(long seen, Duration max) {
        long nanos = max.toNanos();
        lock.lock();
        try {
            while (generation == seen && nanos > 0) nanos = changed.awaitNanos(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }
}
