package io.roam.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.proto.Done;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class ErrorsAndHelpTest {
    @TempDir
    Path home;

    private ScriptedAgent agent;

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
            assertThat(agent.failures()).isEmpty();
        }
    }

    @Test
    void withoutAnAgentEveryClientCommandSaysRoamIsNotRunningInOneLine() {
        String expected = "roam: error: roam is not running here (no agent at " + home.resolve("agent.sock") + "): run 'roam up'\n";
        String[][] commands = {{"ps"}, {"run", "true"}, {"logs", "-f", "j1"}, {"kill", "j1"}, {"wait", "j1"},
            {"checkpoint", "j1"}, {"restore", "j1.1"}, {"checkpoints"}, {"sleep"}, {"wake"}, {"check", "j1"}, {"nodes"},
            {"rm", "j1"}};
        for (String[] c : commands) {
            var console = new TestConsole(home);
            assertThat(console.roam(c)).as(c[0]).isEqualTo(1);
            assertThat(console.err()).as(c[0]).isEqualTo(expected);
            assertThat(console.out()).as(c[0]).isEmpty();
        }
    }

    @Test
    void aSocketFileNobodyListensOnAlsoMeansNotRunning() throws Exception {
        Path sock = home.resolve("agent.sock");
        try (var server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
        }
        assertThat(sock).exists(); // closing a unix server socket leaves its file behind, as a crashed agent does
        var console = new TestConsole(home);
        assertThat(console.roam("ps")).isEqualTo(1);
        assertThat(console.err()).isEqualTo("roam: error: roam is not running here (no agent at " + sock + "): run 'roam up'\n");
        Files.delete(sock);
    }

    @Test
    void theAgentsErrorIsOneLineAndItsExitCodeIsKept() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder()
                .setExitCode(1).setError("no job 'nope': 'roam ps -a' lists your jobs")));
        var console = new TestConsole(home);
        assertThat(console.roam("kill", "nope")).isEqualTo(1);
        assertThat(console.err()).isEqualTo("roam: error: no job 'nope': 'roam ps -a' lists your jobs\n");
        var noCode = new TestConsole(home);
        agent.close();
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder().setError("refused")));
        assertThat(noCode.roam("rm", "nope")).as("an error never exits 0").isEqualTo(1);
    }

    @Test
    void anAgentThatHangsUpMidStreamIsReportedWithWhereToLook() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.out("partial\n"));
        var console = new TestConsole(home);
        assertThat(console.roam("logs", "counter")).isEqualTo(1);
        assertThat(console.out()).isEqualTo("partial\n");
        assertThat(console.err()).startsWith("roam: error: the agent broke off the call (")
                .contains(home.resolve("log").toString()).endsWith("'roam up' to restart it\n");
        assertThat(console.err().lines()).hasSize(1);
    }

    @Command(name = "boom", description = "fails unexpectedly")
    static final class Boom implements Callable<Integer> {
        @Mixin
        Verbosity verbosity;

        @Override
        public Integer call() {
            throw new IllegalStateException("the table is inconsistent");
        }
    }

    @Test
    void anUnexpectedExceptionIsOneLineAndItsStackTraceNeedsVv() {
        var plain = new TestConsole(home);
        assertThat(plain.roam(new Object[] {new Boom()}, "boom")).isEqualTo(1);
        assertThat(plain.err()).isEqualTo("roam: error: the table is inconsistent (unexpected IllegalStateException; "
                + "run again with -vv to see where)\n");

        var one = new TestConsole(home);
        assertThat(one.roam(new Object[] {new Boom()}, "-v", "boom")).isEqualTo(1);
        assertThat(one.err().lines()).hasSize(1);

        var two = new TestConsole(home);
        assertThat(two.roam(new Object[] {new Boom()}, "-v", "boom", "-v")).isEqualTo(1);
        assertThat(two.err()).startsWith("roam: error: the table is inconsistent\njava.lang.IllegalStateException")
                .contains("at io.roam.cli.ErrorsAndHelpTest$Boom.call");
    }

    @Test
    void helpListsEveryVerbAndVersionPrintsTheBuildsVersion() {
        var help = new TestConsole(home);
        assertThat(help.roam("--help")).isZero();
        for (String verb : new String[] {"run", "ps", "logs", "kill", "wait", "checkpoint", "restore", "checkpoints", "sleep",
            "wake", "check", "nodes", "rm", "up", "down", "version", "help"}) {
            assertThat(help.out()).containsPattern("(?m)^  " + verb + " ");
        }
        var version = new TestConsole(home);
        assertThat(version.roam("version")).isZero();
        assertThat(version.out()).matches("roam \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(java \\d+.*\\)\n");
        var option = new TestConsole(home);
        assertThat(option.roam("--version")).isZero();
        assertThat(option.out()).isEqualTo(version.out());
    }

    @Test
    void roamAloneShowsTheUsageAndAnUnknownCommandSuggestsOne() {
        var bare = new TestConsole(home);
        assertThat(bare.roam()).isEqualTo(2);
        assertThat(bare.err()).startsWith("Usage: roam [-hVv] COMMAND");
        var typo = new TestConsole(home);
        assertThat(typo.roam("pss")).isEqualTo(2);
        assertThat(typo.err()).startsWith("roam: error: Unmatched argument at index 0: 'pss'").contains("'ps'");
        assertThat(typo.err().lines()).hasSize(1);
    }

    @Test
    void verboseSaysWhichSocketItUses() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.getDefaultInstance()));
        var console = new TestConsole(home);
        assertThat(console.roam("nodes", "-v")).isZero();
        assertThat(console.err()).startsWith("roam: nodes via the agent at " + home.resolve("agent.sock") + "\n");
    }
}
