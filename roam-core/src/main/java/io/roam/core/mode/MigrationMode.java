package io.roam.core.mode;

import java.util.Locale;
import java.util.Optional;

/** How a job's memory moves: all of it while frozen, in rounds before the freeze, or on demand after it. */
public enum MigrationMode {
    /** Freeze, dump everything, stream, restore: freeze time grows with the image. Safe: the source keeps the job until the commit. */
    COLD("cold"),
    /** Iterative dumps while the job runs (soft-dirty tracking), then a short final freeze. Safe like cold. */
    PRE_COPY("precopy"),
    /** Freeze, move the small state, resume on the target, serve pages on demand (userfaultfd). One-way: losing the source loses the job. */
    POST_COPY("live");

    private final String flag;

    MigrationMode(String flag) { this.flag = flag; }

    /** The name the CLI uses for this mode ({@code --mode cold|precopy|live}). */
    public String flag() { return flag; }

    /** The mode a CLI name stands for, or empty when the name is unknown. {@code post-copy}, {@code postcopy} and {@code pre-copy} are accepted too. */
    public static Optional<MigrationMode> parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "cold" -> Optional.of(COLD);
            case "precopy", "pre-copy" -> Optional.of(PRE_COPY);
            case "live", "postcopy", "post-copy" -> Optional.of(POST_COPY);
            default -> Optional.empty();
        };
    }
}
