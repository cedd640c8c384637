package io.roam.criu;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A restore request; {@code extraArgs} are appended to CRIU's command line (for example {@code --inherit-fd}).
 * {@code openFiles} are opened read-only as the given descriptors of criu itself (3-9), for {@code --inherit-fd
 * fd[N]:KEY}: a network namespace file, for example. With a {@code gate}, the tree is restored stopped and continued
 * only when the gate lets it through.
 */
public record RestoreSpec(Path imageDir, Duration timeout, List<String> extraArgs, Map<Integer, Path> openFiles, Optional<RestoreGate> gate) {
    public RestoreSpec {
        Objects.requireNonNull(imageDir, "imageDir");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("restore timeout must be positive");
        extraArgs = List.copyOf(extraArgs);
        openFiles = Map.copyOf(openFiles);
        if (openFiles.keySet().stream().anyMatch(fd -> fd < 3 || fd > 9)) throw new IllegalArgumentException("open files go to fds 3-9: " + openFiles);
        Objects.requireNonNull(gate, "gate");
    }

    public RestoreSpec(Path imageDir, Duration timeout, List<String> extraArgs, Map<Integer, Path> openFiles) {
        this(imageDir, timeout, extraArgs, openFiles, Optional.empty());
    }

    public RestoreSpec(Path imageDir, Duration timeout, List<String> extraArgs) { this(imageDir, timeout, extraArgs, Map.of()); }

    public RestoreSpec(Path imageDir, Duration timeout) { this(imageDir, timeout, List.of()); }

    /** This request with {@code more} CRIU options after its own. */
    public RestoreSpec withMoreArgs(List<String> more) {
        if (more.isEmpty()) return this;
        List<String> all = new java.util.ArrayList<>(extraArgs);
        all.addAll(more);
        return new RestoreSpec(imageDir, timeout, all, openFiles, gate);
    }

    /** This request, restored stopped behind {@code gate}. */
    public RestoreSpec withGate(RestoreGate gate) { return new RestoreSpec(imageDir, timeout, extraArgs, openFiles, Optional.of(gate)); }
}
