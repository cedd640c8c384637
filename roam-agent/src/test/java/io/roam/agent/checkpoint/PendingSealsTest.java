package io.roam.agent.checkpoint;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class PendingSealsTest {
    private final PendingSeals seals = new PendingSeals();

    @Test
    void aReaderWaitsUntilTheSealHasEnded() throws Exception {
        var release = new CountDownLatch(1);
        var sealed = new AtomicBoolean();
        seals.start(Path.of("/images/j.1"), () -> {
            await(release);
            sealed.set(true);
        }, () -> {});
        assertThat(seals.await(Path.of("/images/j.1"), Duration.ofMillis(50))).as("still sealing").isFalse();
        assertThat(seals.running()).isEqualTo(1);
        release.countDown();
        assertThat(seals.await(Path.of("/images/./j.1"))).isTrue();
        assertThat(sealed).isTrue();
        assertThat(seals.running()).isZero();
    }

    @Test
    void aFailedSealRunsItsFailureStepAndReleasesItsReaders() {
        var failed = new AtomicBoolean();
        seals.start(Path.of("/images/j.2"), () -> { throw new IllegalStateException("disk full"); }, () -> failed.set(true));
        assertThat(seals.await(Path.of("/images/j.2"))).isTrue();
        assertThat(failed).isTrue();
    }

    @Test
    void theSealRunsOnAPlatformThreadAtALowerPriority() throws Exception {
        var stat = new java.util.concurrent.atomic.AtomicReference<String>();
        var virtual = new AtomicBoolean(true);
        seals.start(Path.of("/images/j.3"), () -> {
            virtual.set(Thread.currentThread().isVirtual());
            try {
                stat.set(java.nio.file.Files.readString(Path.of("/proc/thread-self/stat")));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, () -> {});
        assertThat(seals.await(Path.of("/images/j.3"))).isTrue();
        assertThat(virtual).isFalse();
        // fields after the command's closing parenthesis: state is the 3rd field of stat, nice the 19th
        String[] f = stat.get().substring(stat.get().lastIndexOf(')') + 2).split(" ");
        assertThat(Integer.parseInt(f[19 - 3])).isEqualTo(PendingSeals.NICE);
    }

    @Test
    void anImageWithoutARunningSealIsNotWaitedFor() {
        assertThat(seals.await(Path.of("/images/never"), Duration.ZERO)).isTrue();
    }

    @Test
    void stoppingWaitsForEverySeal() {
        var done = new AtomicBoolean[] {new AtomicBoolean(), new AtomicBoolean()};
        for (int i = 0; i < 2; i++) {
            int k = i;
            seals.start(Path.of("/images/k." + i), () -> {
                sleep(100);
                done[k].set(true);
            }, () -> {});
        }
        seals.awaitAll(Duration.ofSeconds(10));
        assertThat(done[0]).isTrue();
        assertThat(done[1]).isTrue();
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
