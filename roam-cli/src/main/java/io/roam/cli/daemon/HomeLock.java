package io.roam.cli.daemon;

import io.roam.core.RoamHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;

/** run/up.lock: one roam up or roam down at a time per roam home. */
final class HomeLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private HomeLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock, or empty when another roam up/down held it for all of {@code timeout}. */
    static Optional<HomeLock> acquire(RoamHome home, Duration timeout) {
        try {
            var ch = FileChannel.open(home.runDir().resolve("up.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                FileLock l = ch.tryLock();
                if (l != null) return Optional.of(new HomeLock(ch, l));
                if (System.nanoTime() > deadline) {
                    ch.close();
                    return Optional.empty();
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + home.runDir().resolve("up.lock"), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
