package io.roam.criu;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A restore request; {@code extraArgs} are appended to CRIU's command line (for example {@code --inherit-fd}). With a
 * {@code gate}, the tree is restored stopped and continued only when the gate lets it through.
 */
public record RestoreSpec(Path imageDir, Duration timeout, List<String> extraArgs, Optional<RestoreGate> gate) {
    public RestoreSpec {
        Objects.requireNonNull(imageDir, "imageDir");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("restore timeout must be positive");
        extraArgs = List.copyOf(extraArgs);
        Objects.requireNonNull(gate, "gate");
    }

    public RestoreSpec(Path imageDir, Duration timeout, List<String> extraArgs) { this(imageDir, timeout, extraArgs, Optional.empty()); }

    public RestoreSpec(Path imageDir, Duration timeout) { this(imageDir, timeout, List.of()); }
}
