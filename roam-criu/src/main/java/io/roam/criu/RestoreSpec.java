package io.roam.criu;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** A restore request; {@code extraArgs} are appended to CRIU's command line (for example {@code --inherit-fd}). */
public record RestoreSpec(Path imageDir, Duration timeout, List<String> extraArgs) {
    public RestoreSpec {
        Objects.requireNonNull(imageDir, "imageDir");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("restore timeout must be positive");
        extraArgs = List.copyOf(extraArgs);
    }

    public RestoreSpec(Path imageDir, Duration timeout) { this(imageDir, timeout, List.of()); }
}
