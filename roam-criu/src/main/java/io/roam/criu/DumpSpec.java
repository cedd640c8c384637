package io.roam.criu;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A dump request. {@code rootPid} is the host pid of the job's namespace init; {@code imageDir} is created when
 * missing; {@code extraArgs} are appended to CRIU's command line (for example {@code --tcp-established}).
 */
public record DumpSpec(long rootPid, Path imageDir, boolean leaveRunning, Duration timeout, List<String> extraArgs) {
    public DumpSpec {
        if (rootPid <= 1) throw new IllegalArgumentException("cannot dump pid " + rootPid);
        Objects.requireNonNull(imageDir, "imageDir");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("dump timeout must be positive");
        extraArgs = List.copyOf(extraArgs);
    }

    public DumpSpec(long rootPid, Path imageDir, boolean leaveRunning, Duration timeout) {
        this(rootPid, imageDir, leaveRunning, timeout, List.of());
    }
}
