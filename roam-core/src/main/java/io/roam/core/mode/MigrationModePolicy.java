package io.roam.core.mode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Chooses cold, pre-copy or post-copy for one migration. Pure: no I/O, the same request always gets the same answer.
 *
 * <ul>
 *   <li>An explicit {@code cold} runs cold.</li>
 *   <li>An explicit {@code live} (post-copy) runs post-copy or is refused with the reason: it is never silently
 *       replaced, because its freeze time is the point of asking for it.</li>
 *   <li>An explicit {@code precopy} falls back when the source kernel has no soft-dirty tracking (or this build cannot
 *       run pre-copy): to post-copy when that is allowed and possible, otherwise to cold; the reasons say which.</li>
 *   <li>No mode: an image of unknown size (0: not reported yet) or under the threshold moves cold (its freeze is short anyway); a larger one moves by pre-copy
 *       when possible (short freeze, and the source keeps the job until the end), else by post-copy when allowed and
 *       possible, else cold.</li>
 * </ul>
 */
public final class MigrationModePolicy {
    private final ModeSettings settings;

    public MigrationModePolicy(ModeSettings settings) { this.settings = settings; }

    public ModeDecision choose(ModeRequest r) {
        List<String> why = new ArrayList<>();
        Optional<MigrationMode> asked = r.requested();
        if (asked.isPresent()) {
            return switch (asked.get()) {
                case COLD -> chosen(MigrationMode.COLD, List.of("cold was asked for"));
                case POST_COPY -> {
                    Optional<String> no = postCopyBlocker(r);
                    yield no.<ModeDecision>map(reason -> new ModeDecision.Refused("post-copy (--live) is not possible: " + reason
                                    + "; run roam migrate without --live for a cold move"))
                            .orElseGet(() -> chosen(MigrationMode.POST_COPY, List.of("post-copy was asked for")));
                }
                case PRE_COPY -> {
                    Optional<String> no = preCopyBlocker(r);
                    if (no.isEmpty()) yield chosen(MigrationMode.PRE_COPY, List.of("pre-copy was asked for"));
                    why.add("pre-copy was asked for but is not possible: " + no.get());
                    yield fallback(r, why);
                }
            };
        }
        if (r.imageBytes() == 0) {
            why.add("the job's memory size is not reported yet: a cold move is the safe choice");
            return chosen(MigrationMode.COLD, why);
        }
        if (r.imageBytes() < settings.liveThresholdBytes()) {
            why.add("image " + mib(r.imageBytes()) + " is under the " + mib(settings.liveThresholdBytes())
                    + " threshold: a cold move freezes it briefly");
            return chosen(MigrationMode.COLD, why);
        }
        why.add("image " + mib(r.imageBytes()) + " is at or over the " + mib(settings.liveThresholdBytes())
                + " threshold: a cold move would freeze it for the whole copy");
        Optional<String> noPre = preCopyBlocker(r);
        if (noPre.isEmpty()) {
            why.add("pre-copy is possible (soft-dirty tracking on the source) and keeps the job safe on the source until the end");
            return chosen(MigrationMode.PRE_COPY, why);
        }
        why.add("no pre-copy: " + noPre.get());
        return fallback(r, why);
    }

    private ModeDecision fallback(ModeRequest r, List<String> why) {
        if (!settings.allowPostCopy()) {
            why.add("post-copy is not allowed by the policy (it is one-way)");
            why.add("falling back to cold");
            return chosen(MigrationMode.COLD, why);
        }
        Optional<String> noPost = postCopyBlocker(r);
        if (noPost.isPresent()) {
            why.add("no post-copy: " + noPost.get());
            why.add("falling back to cold");
            return chosen(MigrationMode.COLD, why);
        }
        why.add("post-copy is possible (lazy pages on both nodes): the job resumes on the target at once, but is lost if the source dies before all pages arrive");
        return chosen(MigrationMode.POST_COPY, why);
    }

    private static Optional<String> preCopyBlocker(ModeRequest r) {
        if (!r.sourceFeatures().contains(ModeRequest.MEM_DIRTY_TRACK)) {
            return Optional.of("the source kernel has no soft-dirty tracking (criu check --feature " + ModeRequest.MEM_DIRTY_TRACK + " failed)");
        }
        if (!r.implemented().contains(MigrationMode.PRE_COPY)) return Optional.of("this version of roam cannot run pre-copy");
        return Optional.empty();
    }

    private static Optional<String> postCopyBlocker(ModeRequest r) {
        boolean src = r.sourceFeatures().contains(ModeRequest.LAZY_PAGES);
        boolean dst = r.targetFeatures().contains(ModeRequest.LAZY_PAGES);
        if (!src || !dst) {
            String which = !src && !dst ? "the source and the target" : !src ? "the source" : "the target";
            return Optional.of(which + " cannot serve lazy pages (userfaultfd and fs.pipe-max-size >= 4 MiB)");
        }
        if (!r.implemented().contains(MigrationMode.POST_COPY)) return Optional.of("this version of roam cannot run post-copy");
        return Optional.empty();
    }

    private static ModeDecision chosen(MigrationMode m, List<String> why) { return new ModeDecision.Chosen(m, why); }

    private static String mib(long bytes) {
        return bytes >= (1L << 30) && bytes % (1L << 20) == 0 && bytes % (1L << 30) == 0
                ? (bytes >> 30) + " GiB" : Math.round(bytes / 1048576.0) + " MiB";
    }
}
