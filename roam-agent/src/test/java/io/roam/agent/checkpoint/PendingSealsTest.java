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
    void theSealRunsOnIdleCoresOnAPlatformThreadUntilSomeoneWaitsForIt() throws Exception {
        var first = new java.util.concurrent.atomic.AtomicReference<int[]>();
        var raised = new java.util.concurrent.atomic.AtomicReference<int[]>();
        var virtual = new AtomicBoolean(true);
        var running = new CountDownLatch(1);
        seals.start(Path.of("/images/j.3"), () -> {
            virtual.set(Thread.currentThread().isVirtual());
            first.set(policyAndNice());
            running.countDown();
            raised.set(untilNotIdle());
        }, () -> {});
        running.await();
        assertThat(seals.await(Path.of("/images/j.3"))).isTrue();
        assertThat(virtual).isFalse();
        assertThat(first.get()).as("SCHED_IDLE (5), nice %d", PendingSeals.NICE).containsExactly(SCHED_IDLE, PendingSeals.NICE);
        assumeRoot();   // lowering a nice value takes CAP_SYS_NICE
        assertThat(raised.get()).as("SCHED_OTHER at the daemon's priority once a reader waits").containsExactly(0, PendingSeals.URGENT);
    }

    @Test
    void aSealThatNoOneWaitsForCompetesAtItsNiceValueAfterAWhile() throws Exception {
        var seals = new PendingSeals(Duration.ofMillis(100));
        var raised = new java.util.concurrent.atomic.AtomicReference<int[]>();
        var sealed = new CountDownLatch(1);
        seals.start(Path.of("/images/j.4"), () -> {
            raised.set(untilNotIdle());
            sealed.countDown();
        }, () -> {});
        assertThat(sealed.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("sealed without anyone waiting in await()").isTrue();
        assertThat(raised.get()).as("SCHED_OTHER at nice %d, not starved behind busy jobs", PendingSeals.NICE)
                .containsExactly(0, PendingSeals.NICE);
    }

    private static final int SCHED_IDLE = 5;

    private static void assumeRoot() {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
    }

    /** This thread's scheduling policy and nice value: fields 41 and 19 of /proc/thread-self/stat. */
    private static int[] policyAndNice() {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc/thread-self/stat"));
            // fields after the command's closing parenthesis: the state is the 3rd field
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new int[] {Integer.parseInt(f[41 - 3]), Integer.parseInt(f[19 - 3])};
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Polls this thread's policy until it is no longer SCHED_IDLE (at most 10 s); the policy and nice value then. */
    private static int[] untilNotIdle() {
        long end = System.nanoTime() + 10_000_000_000L;
        int[] now = policyAndNice();
        while (now[0] == SCHED_IDLE && System.nanoTime() < end) {
            sleep(5);
            now = policyAndNice();
        }
        return now;
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
