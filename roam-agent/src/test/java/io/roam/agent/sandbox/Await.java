package io.roam.agent.sandbox;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Polling with a deadline, instead of sleeping and hoping. */
final class Await {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Await() {}

    static void until(String what, Supplier<Boolean> condition) {
        value(what, () -> condition.get() ? Optional.of(true) : Optional.empty());
    }

    static <T> T value(String what, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            Optional<T> v = probe.get();
            if (v.isPresent()) return v.get();
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + TIMEOUT.toSeconds() + " s waiting for " + what);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
