package io.roam.cli.daemon;

import io.roam.core.RoamHome;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Mixin for {@code --state-dir DIR}: the roam home, instead of $ROAM_HOME or /var/lib/roam. */
public final class StateDirOption {
    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "roam's state directory (default: $ROAM_HOME, or /var/lib/roam); passed on to the daemons.")
    Path stateDir;

    RoamHome home(RoamHome fallback) {
        return stateDir == null ? fallback : new RoamHome(stateDir.toAbsolutePath().normalize());
    }
}
