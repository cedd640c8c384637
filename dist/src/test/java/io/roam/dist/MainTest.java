package io.roam.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.cli.CliContext;
import io.roam.core.RoamHome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path home;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private CliContext ctx() {
        return new CliContext(new RoamHome(home), home, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Clock.systemUTC(), OptionalInt.empty(), 1000);
    }

    @Test
    void roamHasEveryClientCommandAndBothDaemons() {
        var cl = Main.commandLine(ctx());
        assertThat(cl.getCommandName()).isEqualTo("roam");
        assertThat(cl.getSubcommands().keySet()).containsExactly("run", "exec", "ps", "logs", "kill", "wait", "checkpoint",
                "restore", "checkpoints", "sleep", "wake", "check", "nodes", "rm", "up", "down", "version", "migrate", "drain",
                "undrain", "events", "owner", "agent", "coordinator", "sim", "help");
    }

    @Test
    void theDaemonsOptionsAreParsedAndDocumented() {
        var cl = Main.commandLine(ctx());
        assertThat(cl.execute("help", "agent")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--state-dir").contains("--node").contains("--join");
        assertThat(cl.getSubcommands().get("coordinator").parseArgs("--state-dir", "/tmp/x", "--listen", "0.0.0.0:7000")
                .matchedOptionValue("--listen", "")).isEqualTo("0.0.0.0:7000");
    }

    @Test
    void theDaemonsAnswerHelp() {
        assertThat(Main.commandLine(ctx()).execute("coordinator", "--help")).isZero();
        assertThat(Main.commandLine(ctx()).execute("agent", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: roam coordinator").contains("Usage: roam agent");
    }

    @Test
    void usageErrorsExit2() {
        assertThat(Main.commandLine(ctx()).execute("agent", "--no-such-option")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("roam: error: Unknown option: '--no-such-option'");
    }
}
