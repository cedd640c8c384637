package io.roam.core.mode;

import java.util.Optional;
import java.util.Set;

/**
 * Everything the mode choice looks at. {@code requested} is empty when the caller let roam choose; {@code imageBytes}
 * is 0 when the size is not known yet.
 * {@code sourceFeatures} and {@code targetFeatures} are the CRIU feature names the nodes reported
 * ({@value #MEM_DIRTY_TRACK}, {@value #LAZY_PAGES}); {@code implemented} are the modes this build of roam can run.
 */
public record ModeRequest(Optional<MigrationMode> requested, long imageBytes, Set<String> sourceFeatures,
                          Set<String> targetFeatures, Set<MigrationMode> implemented) {
    public static final String MEM_DIRTY_TRACK = "mem_dirty_track";
    public static final String LAZY_PAGES = "lazy_pages";

    public ModeRequest {
        if (imageBytes < 0) throw new IllegalArgumentException("image size " + imageBytes + " B < 0");
        sourceFeatures = Set.copyOf(sourceFeatures);
        targetFeatures = Set.copyOf(targetFeatures);
        implemented = Set.copyOf(implemented);
        if (!implemented.contains(MigrationMode.COLD)) throw new IllegalArgumentException("cold migration is always implemented");
    }
}
