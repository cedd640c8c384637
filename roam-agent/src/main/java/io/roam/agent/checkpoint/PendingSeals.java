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

    private final Map<Path, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();

    /** The seal's nice value: it gives way to the daemons' own calls (and to the jobs) while they need the CPU. */
    static final int NICE = 10;

    /**
     * Runs {@code seal} of {@code dir} on a platform thread of its own at {@link #NICE}: not on a virtual thread, which
     * would hold one of the few carrier threads that the daemon's gRPC calls run on (on 2 cores, a 1 GB seal on the
     * carriers held back the answer it follows by ~20 ms). {@code onFailure} runs when it throws.
     */
    public void start(Path dir, Runnable seal, Runnable onFailure) {
        Path key = dir.toAbsolutePath().normalize();
        CompletableFuture<Void> done = new CompletableFuture<>();
        pending.put(key, done);
        Thread.ofPlatform().daemon().name("seal-" + key.getFileName()).start(() -> {
            if (io.roam.criu.sys.Libc.niceCallingThread(NICE) != 0) {
                log.debug("seal of {} runs at the daemon's priority: setpriority failed (errno {})", key, io.roam.criu.sys.Libc.lastErrno());
            }
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
                pending.remove(key, done);
                done.complete(null);
            }
        });
    }

    /** Waits until the seal of {@code dir}, if one runs, has ended (sealed or failed); true when none is left running. */
    public boolean await(Path dir) { return await(dir, WAIT); }

    boolean await(Path dir, Duration max) {
        CompletableFuture<Void> f = pending.get(dir.toAbsolutePath().normalize());
        if (f == null) return true;
        try {
            f.get(max.toMillis(), TimeUnit.MILLISECONDS);
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
}
