package io.roam.cli;

import io.roam.core.RoamHome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.OptionalInt;

/** A CliContext with captured stdout/stderr, a fixed clock and a chosen uid, for tests that run the real commands. */
public final class TestConsole {
    public static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final CliContext ctx;

    public TestConsole(Path home, Map<String, String> env, OptionalInt columns, int euid) {
        ctx = new CliContext(new RoamHome(home), home, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Clock.fixed(NOW, ZoneOffset.UTC), columns, euid);
    }

    public TestConsole(Path home) { this(home, Map.of("HOME", "/home/alice", "LANG", "C.UTF-8"), OptionalInt.empty(), 1000); }

    public CliContext ctx() { return ctx; }

    /** Runs {@code roam ARGS…} (plus {@code more} commands) and returns the exit code. */
    public int roam(Object[] more, String... args) { return RoamCli.commandLine(ctx, more).execute(args); }

    public int roam(String... args) { return roam(new Object[0], args); }

    public String out() { return out.toString(StandardCharsets.UTF_8); }

    public String err() { return err.toString(StandardCharsets.UTF_8); }
}
