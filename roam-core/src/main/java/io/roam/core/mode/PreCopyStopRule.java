package io.roam.core.mode;

import java.util.List;

/**
 * When pre-copy stops iterating and takes the final, frozen dump. Pure: it sees only what each round wrote.
 *
 * <p>Round 0 copies the whole memory while the job runs; round k copies what the job dirtied during round k-1 (CRIU
 * {@code pre-dump --track-mem}, soft-dirty bits); the final dump copies, frozen, what was dirtied during the last
 * round. So the last round's size is the estimate of what the freeze will copy. After each round k &ge; 1, in order:
 *
 * <ol>
 *   <li><b>small enough</b>: the last round wrote at most {@code smallEnoughBytes} (the caller derives it from the
 *       freeze it aims at and the rates it measured: that much moves within the freeze budget) → stop;</li>
 *   <li><b>no longer shrinking</b>: the last round wrote more than {@code (1 - minShrink)} of the round before (the
 *       job dirties memory as fast as it is copied; another round would cost a copy and win nothing) → stop;</li>
 *   <li><b>round bound</b>: {@code maxRounds} rounds ran → stop, whatever the trend;</li>
 *   <li>otherwise, another round.</li>
 * </ol>
 *
 * P.Haul (iters.py) stops at 64 pages or fewer, at a round that grew by more than 10%, or after 8 rounds; LXD after
 * {@code migration.incremental.memory.iterations} (10) rounds or once {@code ...memory.goal} (70%) of the memory is in
 * sync. Here the "small enough" bound is a freeze budget instead of a page count, and a round must shrink the dirty
 * set by {@code minShrink} (10%) to earn the next one, so a job that dirties the same amount each round stops after
 * three rounds (the full copy and two alike) where P.Haul would run out its bound.
 */
public final class PreCopyStopRule {
    /** About P.Haul's bound on rounds (it checks for "too many" after its 9th, index 8). */
    public static final int DEFAULT_MAX_ROUNDS = 8;
    /** A round that shrinks the dirty set by less than this earns no further round. */
    public static final double DEFAULT_MIN_SHRINK = 0.10;

    /** Another round, or the final dump, with the reason (for {@code roam migrate}'s progress and the record). */
    public sealed interface Verdict {
        String why();

        record Continue(String why) implements Verdict {}

        record Stop(String why) implements Verdict {}
    }

    private final int maxRounds;
    private final long smallEnoughBytes;
    private final double minShrink;

    public PreCopyStopRule(int maxRounds, long smallEnoughBytes, double minShrink) {
        if (maxRounds < 1) throw new IllegalArgumentException("max rounds " + maxRounds + " < 1");
        if (smallEnoughBytes < 0) throw new IllegalArgumentException("small-enough bound " + smallEnoughBytes + " B < 0");
        if (!(minShrink >= 0 && minShrink < 1)) throw new IllegalArgumentException("minimum shrink " + minShrink + " not in [0, 1)");
        this.maxRounds = maxRounds;
        this.smallEnoughBytes = smallEnoughBytes;
        this.minShrink = minShrink;
    }

    /**
     * The bound for a freeze of {@code freezeBudgetMs} at {@code bytesPerSecond} (the slower of the final dump and the
     * link, as measured in round 0), with the default round bound and shrink.
     */
    public static PreCopyStopRule forFreeze(long freezeBudgetMs, long bytesPerSecond) {
        if (freezeBudgetMs < 0 || bytesPerSecond < 0) throw new IllegalArgumentException("negative freeze budget or rate");
        long bytes = bytesPerSecond / 1000 * freezeBudgetMs;
        return new PreCopyStopRule(DEFAULT_MAX_ROUNDS, bytes, DEFAULT_MIN_SHRINK);
    }

    /** @param written the bytes each round so far wrote, round 0 (the whole memory) first; not empty */
    public Verdict after(List<Long> written) {
        if (written.isEmpty()) throw new IllegalArgumentException("no round ran yet");
        for (long w : written) if (w < 0) throw new IllegalArgumentException("a round wrote " + w + " B");
        int rounds = written.size();
        long last = written.get(rounds - 1);
        if (rounds == 1) {
            return last <= smallEnoughBytes
                    ? new Verdict.Stop("the whole memory (" + mib(last) + ") is within the freeze budget (" + mib(smallEnoughBytes) + "): no round to gain")
                    : bounded(rounds, new Verdict.Continue("round 0 copied " + mib(last) + "; the next round shows how fast the job dirties memory"));
        }
        long before = written.get(rounds - 2);
        if (last <= smallEnoughBytes) {
            return new Verdict.Stop("round " + (rounds - 1) + " dirtied " + mib(last) + ", within the freeze budget (" + mib(smallEnoughBytes) + ")");
        }
        if (last > (1 - minShrink) * before) {
            return new Verdict.Stop("the dirty set stopped shrinking: " + mib(last) + " in round " + (rounds - 1) + " after " + mib(before)
                    + " (less than " + Math.round(minShrink * 100) + "% smaller)");
        }
        return bounded(rounds, new Verdict.Continue("round " + (rounds - 1) + " dirtied " + mib(last) + " after " + mib(before)));
    }

    private Verdict bounded(int rounds, Verdict.Continue otherwise) {
        return rounds >= maxRounds ? new Verdict.Stop(rounds + " rounds ran, the bound") : otherwise;
    }

    private static String mib(long bytes) {
        return bytes < (1L << 20) ? (bytes >> 10) + " KiB" : String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
