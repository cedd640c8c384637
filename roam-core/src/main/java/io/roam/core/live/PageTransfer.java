package io.roam.core.live;

import java.util.Objects;

/**
 * How a post-copy migration ends, decided from what each side says about its page transfer (pure). The target's
 * lazy-pages daemon exits 0 only once every page has arrived, so the target is the authority: once it says so the
 * job is complete, whatever became of the source. If it failed, the job cannot go on (its missing pages would read
 * as zeros): LOST, with the most specific reason either side gave. If the target does not answer, the source's word
 * that every page was sent decides; without that, nobody can say the job runs: LOST.
 *
 * <p>Before the target resumed the job, nothing is lost: the source's criu resumes its tree when it is stopped or its
 * serving fails, so every failure up to the lazy restore rolls back to the source ({@link #beforeResume}).
 */
public final class PageTransfer {
    private PageTransfer() {}

    /** One side's answer: {@code answered} false when its agent could not be reached; {@code error} one line when !ok. */
    public record Side(boolean answered, boolean ok, String error) {
        public Side {
            Objects.requireNonNull(error, "error");
        }

        public static Side unreachable(String why) { return new Side(false, false, why); }
    }

    public sealed interface Verdict {
        /** Every page is on the target: the source's copy can go. */
        record Complete() implements Verdict {}

        /** The job cannot run on: the reason says why, in one line. */
        record Lost(String reason) implements Verdict {}
    }

    /** What a failure before the target resumed the job leads to. */
    public enum Rollback {
        /** The source's criu gave the tree back: the job runs on the source as before. */
        RESUMED_ON_SOURCE,
        /** The source no longer has it (its agent is gone or the tree died): nothing can run it. */
        LOST
    }

    public static Verdict afterResume(String source, String target, Side src, Side dst) {
        if (dst.answered() && dst.ok()) return new Verdict.Complete();
        if (dst.answered()) {
            String why = src.answered() && !src.ok() && !src.error().isEmpty() ? src.error() : dst.error();
            return new Verdict.Lost("post-copy from " + source + " to " + target + " broke before every page arrived on " + target
                    + ": " + why);
        }
        if (src.answered() && src.ok()) return new Verdict.Complete();
        return new Verdict.Lost("post-copy from " + source + " to " + target + ": the agent on " + target
                + " stopped answering before every page arrived (" + dst.error() + ")"
                + (src.answered() ? "; " + source + " says: " + src.error() : ""));
    }

    /**
     * A page phase that a coordinator left when it died, judged by the next one. When the target's agent still knows
     * it, as {@link #afterResume}. When it does not (that agent restarted), only the job itself can tell: running on
     * the target, it had its pages (a lazy-pages daemon that fails takes the restored job with it), else it is LOST.
     */
    public static Verdict afterRestart(String source, String target, Side src, Side dst, boolean targetForgot, boolean targetRuns) {
        if (!targetForgot) return afterResume(source, target, src, dst);
        if (targetRuns) return new Verdict.Complete();
        return new Verdict.Lost("post-copy from " + source + " to " + target + ": the agent on " + target
                + " restarted during the page phase and the job no longer runs there");
    }

    public static Rollback beforeResume(boolean sourceAnswered, boolean sourceStillRuns) {
        return sourceAnswered && sourceStillRuns ? Rollback.RESUMED_ON_SOURCE : Rollback.LOST;
    }
}
