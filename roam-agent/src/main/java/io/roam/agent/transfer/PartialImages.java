package io.roam.agent.transfer;

import io.roam.agent.checkpoint.CheckpointSteps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The images a target is receiving or has partly received, by checkpoint: what makes a broken transfer resumable.
 * A receiver owns its entry while its stream lives; when the stream breaks (or the source asks to resume, see
 * {@link #detach}) the entry is parked with what the target holds (each file's contiguous length) and kept for
 * {@link #KEEP}, after which its scratch directory is deleted. A new transfer of another checkpoint of the same job
 * discards the job's older entries at once (a migration tried again after a failed one).
 */
final class PartialImages {
    private static final Logger log = LoggerFactory.getLogger(PartialImages.class);
    static final Duration KEEP = Duration.ofSeconds(45);

    /** One image being received: guarded by itself; the receiver writes only while it is the owner. */
    static final class Entry {
        final String checkpoint;
        final String job;
        final Path scratch;
        final Map<String, Long> lengths = new LinkedHashMap<>();
        /** Each file's CRC32C over the bytes written so far (its {@link #lengths}): the image is verified from these. */
        final Map<String, java.util.zip.CRC32C> crcs = new java.util.HashMap<>();
        Object owner;
        long parkedAtNanos;

        Entry(String checkpoint, String job, Path scratch, Object owner) {
            this.checkpoint = checkpoint;
            this.job = job;
            this.scratch = scratch;
            this.owner = owner;
        }

        synchronized long bytes() { return lengths.values().stream().mapToLong(Long::longValue).sum(); }
    }

    private final Map<String, Entry> entries = new HashMap<>();
    private Thread sweeper;

    /** A fresh transfer: any older entry of this checkpoint or of the same job is discarded. */
    synchronized Entry claim(String checkpoint, String job, Path scratch, Object owner) {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.checkpoint.equals(checkpoint) || e.job.equals(job)) {
                it.remove();
                synchronized (e) { e.owner = null; }
                if (!e.scratch.equals(scratch)) delete(e, "superseded by " + checkpoint);
            }
        }
        Entry e = new Entry(checkpoint, job, scratch, owner);
        entries.put(checkpoint, e);
        return e;
    }

    /** The source wants to resume: the current owner (if its stream still seems alive) stops writing; what is held. */
    synchronized Optional<Map<String, Long>> detach(String checkpoint) {
        Entry e = entries.get(checkpoint);
        if (e == null) return Optional.empty();
        synchronized (e) {
            if (e.owner != null) park(e);
            return Optional.of(Map.copyOf(e.lengths));
        }
    }

    /** A resumed transfer takes over a parked (or still owned) entry; empty when there is nothing to resume. */
    synchronized Optional<Entry> adopt(String checkpoint, Object owner) {
        Entry e = entries.get(checkpoint);
        if (e == null) return Optional.empty();
        synchronized (e) {
            e.owner = owner;
            e.parkedAtNanos = 0;
        }
        return Optional.of(e);
    }

    /** The owner's stream broke: keep what arrived for {@link #KEEP}. */
    synchronized void parked(Entry e, Object owner) {
        synchronized (e) {
            if (e.owner != owner) return;
            park(e);
        }
        if (sweeper == null) sweeper = Thread.ofVirtual().name("partial-images").start(this::sweep);
    }

    private void park(Entry e) {
        e.owner = null;
        e.parkedAtNanos = System.nanoTime();
        log.info("image {}: kept {} bytes received so far for a resume within {} s", e.checkpoint, e.bytes(), KEEP.toSeconds());
    }

    /** The transfer ended (verified and moved, or refused and deleted by its owner). */
    synchronized void done(Entry e) { entries.remove(e.checkpoint, e); }

    private void sweep() {
        while (true) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException ie) {
                return;
            }
            synchronized (this) {
                for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
                    Entry e = it.next();
                    boolean expired;
                    synchronized (e) { expired = e.owner == null && e.parkedAtNanos != 0 && System.nanoTime() - e.parkedAtNanos > KEEP.toNanos(); }
                    if (expired) {
                        it.remove();
                        delete(e, "not resumed within " + KEEP.toSeconds() + " s");
                    }
                }
            }
        }
    }

    private static void delete(Entry e, String why) {
        log.info("image {}: partial copy deleted, {}", e.checkpoint, why);
        try {
            CheckpointSteps.deleteTree(e.scratch);
        } catch (RuntimeException ex) {
            log.warn("cannot delete {}: {}", e.scratch, ex.toString());
        }
    }
}
