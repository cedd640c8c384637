package io.roam.agent.checkpoint;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Image seals (checksums and the signed manifest) that run after the checkpoint was answered. A plain checkpoint
 * answers once CRIU is done; its seal reads the image afterwards, on another core, instead of beside CRIU while the
 * tree is frozen (at 1 GB the checksums taken beside the dump slowed CRIU itself by ~40 ms). Whatever reads an image
 * (restore, probe, transfer of a kept image) or deletes it waits here first, so no one ever sees an unsealed image
 * as finished: the manifest is written last, atomically, and every reader checks it.
 */
public final class PendingSeals {
    private static final Logger log = LoggerFactory.getLogger(PendingSeals.class);
    /** A seal reads the image once: ~55 ms per GB here; far below this even for the largest images. */
    static final Duration WAIT = Duration.ofMinutes(5);

    private final Map<Path, Seal> pending = new ConcurrentHashMap<>();

    /** The seal's nice value once it has run {@link #IDLE_FOR} under SCHED_IDLE, so that busy jobs cannot starve it. */
    static final int NICE = 10;
    /** How long a seal runs only on idle cores (SCHED_IDLE) before it competes at {@link #NICE}. */
    static final Duration IDLE_FOR = Duration.ofSeconds(1);
    /** The priority of a seal that someone waits for: the daemon's own. */
    static final int URGENT = 0;

    private final Duration idleFor;

    public PendingSeals() { this(IDLE_FOR); }

    PendingSeals(Duration idleFor) { this.idleFor = idleFor; }

    /**
     * Runs {@code seal} of {@code dir} on a platform thread of its own, under SCHED_IDLE: it takes only cores that
     * nothing else wants, and every thread that wakes (the answer it follows, on its way through three daemons)
     * preempts it at once, where a nice-10 thread keeps the core to the end of its slice (measured: level within the
     * spread, notes/checkpoint.md; it cannot cost the answer anything). A platform
     * thread, not a virtual one, which would hold one of the few carrier threads that the daemon's gRPC calls run on.
     * After {@link #IDLE_FOR} it competes at {@link #NICE}, and at once at the daemon's priority when someone waits
     * for it ({@link #await}). {@code onFailure} runs when it throws.
     */
    public void start(Path dir, Runnable seal, Runnable onFailure) {
        Path key = dir.toAbsolutePath().normalize();
        Seal s = new Seal(key);
        pending.put(key, s);
        Thread.ofPlatform().daemon().name("seal-" + key.getFileName()).start(() -> {
            s.began(io.roam.criu.sys.Libc.gettid());
            CompletableFuture.delayedExecutor(idleFor.toMillis(), TimeUnit.MILLISECONDS).execute(() -> s.raise(NICE));
            try {
                seal.run();
            } catch (RuntimeException e) {
                log.warn("sealing {} failed: {}", key, e.toString());
                try {
                    onFailure.run();
                } catch (RuntimeException e2) {
                    log.warn("after the failed seal of {}: {}", key, e2.toString());
                }
            } finally {
                pending.remove(key, s);
                s.end();
            }
        });
    }

    /** Waits until the seal of {@code dir}, if one runs, has ended (sealed or failed); true when none is left running. */
    public boolean await(Path dir) { return await(dir, WAIT); }

    boolean await(Path dir, Duration max) {
        Seal s = pending.get(dir.toAbsolutePath().normalize());
        if (s == null) return true;
        s.raise(URGENT);
        try {
            s.done.get(max.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** Waits for every running seal (the agent stops): an image is never left without its manifest by a clean stop. */
    public void awaitAll(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        for (Path dir : pending.keySet()) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !await(dir, Duration.ofNanos(left))) {
                log.warn("stopping with the seal of {} still running: that image will be refused", dir);
            }
        }
    }

    /** How many seals run now. */
    int running() { return pending.size(); }

    /** One running seal: its thread's id once it runs, and the priority it should run at (IDLE, or a nice value). */
    private static final class Seal {
        private static final int IDLE = Integer.MAX_VALUE;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final Path dir;
        private long tid;
        private int want = IDLE;
        private boolean ended;

        Seal(Path dir) { this.dir = dir; }

        /** On the seal's own thread, first: applies the priority asked for so far. */
        synchronized void began(long tid) {
            this.tid = tid;
            apply();
        }

        /** Raises the seal to {@code nice} under SCHED_OTHER, if it runs lower now; never lowers it. */
        synchronized void raise(int nice) {
            if (ended || nice >= want) return;
            want = nice;
            if (tid != 0) apply();
        }

        synchronized void end() {
            ended = true;
            done.complete(null);
        }

        private void apply() {
            boolean idle = want == IDLE;
            int r = io.roam.criu.sys.Libc.niceThread(tid, idle ? NICE : want);
            if (r == 0) r = io.roam.criu.sys.Libc.idleThread(tid, idle);
            if (r != 0) log.debug("seal of {}: cannot set its priority ({}): errno {}", dir, idle ? "SCHED_IDLE" : "nice " + want,
                    io.roam.criu.sys.Libc.lastErrno());
        }
    }
}
