package io.roam.criu;

import java.nio.file.Path;
import java.time.Duration;

/** The image is complete in {@code imageDir}; {@code took} is how long CRIU ran (the job's freeze time, at most). */
public record Dumped(Path imageDir, Duration took) implements DumpOutcome {}
