package io.roam.cli;

import io.roam.core.RoamHome;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The caller's world as the CLI sees it: where roam lives, the working directory and environment a job inherits,
 * the output streams, the clock ages are computed against, the terminal width and the effective uid.
 * {@link #system()} reads the real ones; tests build their own.
 */
public record CliContext(RoamHome home, Path cwd, Map<String, String> env, PrintStream out, PrintStream err,
                         Clock clock, OptionalInt columns, int euid) {

    /** The distribution's directory, exported by the bin/roam launcher (roam up finds the daemons' binaries there). */
    public static final String DIST_ENV = "ROAM_DIST";

    /** The launcher passes the terminal width of an interactive stdout as {@code -Droam.columns=N}. */
    public static final String COLUMNS_PROPERTY = "roam.columns";

    public CliContext {
        env = Map.copyOf(env);
        cwd = cwd.toAbsolutePath().normalize();
    }

    public static CliContext system() {
        Map<String, String> env = System.getenv();
        return new CliContext(RoamHome.fromEnvironment(env), Path.of("").toAbsolutePath(), env, System.out, System.err,
                Clock.systemUTC(), columns(System.getProperty(COLUMNS_PROPERTY), env.get("COLUMNS")), effectiveUid());
    }

    /** The same caller with another roam home (roam up/down --state-dir). */
    public CliContext withHome(RoamHome other) {
        return new CliContext(other, cwd, env, out, err, clock, columns, euid);
    }

    public boolean isRoot() { return euid == 0; }

    static OptionalInt columns(String... candidates) {
        for (String c : candidates) {
            if (c == null || c.isBlank()) continue;
            try {
                int n = Integer.parseInt(c.strip());
                if (n > 0) return OptionalInt.of(n);
            } catch (NumberFormatException ignored) {
                // not a width: try the next source
            }
        }
        return OptionalInt.empty();
    }

    /** The effective uid, from the second field of {@code Uid:} in /proc/self/status. */
    static int effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return Integer.parseInt(line.substring(4).strip().split("\\s+")[1]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status", e);
        }
        throw new IllegalStateException("/proc/self/status has no Uid line");
    }
}
