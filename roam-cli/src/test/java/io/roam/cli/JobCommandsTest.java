package io.roam.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.proto.CheckReport;
import io.roam.proto.Done;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** logs, kill, wait, check, rm: real client, real socket, a scripted agent. */
class JobCommandsTest {
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
    void logsCopiesTheJobsStdoutAndStderrToOursAndProgressToStderr() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> {
            replies.out("line 1\n").err("oops\n").progress("(job moved to n2)").out("line 2\n");
            replies.done(Done.getDefaultInstance());
        });
        var console = new TestConsole(home);

        assertThat(console.roam("logs", "counter")).isZero();

        var logs = agent.nextRequest().getLogs();
        assertThat(logs.getJob()).isEqualTo("counter");
        assertThat(logs.getFollow()).isFalse();
        assertThat(console.out()).isEqualTo("line 1\nline 2\n");
        assertThat(console.err()).isEqualTo("oops\n(job moved to n2)\n");
    }

    @Test
    void logsFollowWritesOutputAsItArrivesBeforeTheJobEnds() throws Exception {
        var released = new CountDownLatch(1);
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> {
            replies.out("tick 1\n");
            if (!released.await(10, TimeUnit.SECONDS)) throw new AssertionError("the test never saw tick 1");
            replies.out("tick 2\n").done(Done.getDefaultInstance());
        });
        var console = new TestConsole(home);
        var exit = new int[] {-1};
        Thread client = Thread.ofVirtual().start(() -> exit[0] = console.roam("logs", "-f", "--stdout", "counter"));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!console.out().contains("tick 1") && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(console.out()).isEqualTo("tick 1\n");
        released.countDown();
        client.join(5000);

        assertThat(exit[0]).isZero();
        assertThat(console.out()).isEqualTo("tick 1\ntick 2\n");
        var logs = agent.nextRequest().getLogs();
        assertThat(logs.getFollow()).isTrue();
        assertThat(logs.getStdoutOnly()).isTrue();
        assertThat(logs.getStderrOnly()).isFalse();
    }

    @Test
    void logsStdoutAndStderrTogetherIsAUsageError() {
        var console = new TestConsole(home);
        assertThat(console.roam("logs", "--stdout", "--stderr", "counter")).isEqualTo(2);
        assertThat(console.err()).startsWith("roam: error: ").contains("mutually exclusive");
    }

    @Test
    void killSendsTheSignalNumberForANameOrANumberAndTermByDefault() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.getDefaultInstance()));
        String[][] cases = {{"kill", "counter"}, {"kill", "-s", "KILL", "counter"}, {"kill", "--signal", "sigusr1", "counter"},
            {"kill", "-s", "2", "counter"}, {"kill", "-s", "RTMIN+2", "counter"}};
        int[] expected = {15, 9, 10, 2, 36};
        for (int i = 0; i < cases.length; i++) {
            var console = new TestConsole(home);
            assertThat(console.roam(cases[i])).isZero();
            var kill = agent.nextRequest().getKill();
            assertThat(kill.getJob()).isEqualTo("counter");
            assertThat(kill.getSignal()).as(String.join(" ", cases[i])).isEqualTo(expected[i]);
        }
    }

    @Test
    void anUnknownSignalIsAUsageErrorAndNothingIsSent() throws Exception {
        var console = new TestConsole(home);
        assertThat(console.roam("kill", "-s", "BOGUS", "counter")).isEqualTo(2);
        assertThat(console.err()).startsWith("roam: error: ").contains("unknown signal 'BOGUS'").contains("'roam kill --help'");
        assertThat(console.err().lines()).hasSize(1);
        assertThat(console.roam("kill", "-s", "65", "counter")).isEqualTo(2);
    }

    @Test
    void waitExitsWithTheJobsExitCodeAndPassesTheTimeout() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder().setExitCode(137)));
        var console = new TestConsole(home);

        assertThat(console.roam("wait", "--timeout", "1m30s", "counter")).isEqualTo(137);

        var wait = agent.nextRequest().getWait();
        assertThat(wait.getJob()).isEqualTo("counter");
        assertThat(wait.getTimeoutMs()).isEqualTo(90_000);
        assertThat(console.out()).isEmpty();
        assertThat(console.err()).isEmpty();
    }

    @Test
    void waitWithoutTimeoutWaitsForeverAndABadDurationIsAUsageError() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder().setExitCode(0)));
        assertThat(new TestConsole(home).roam("wait", "counter")).isZero();
        assertThat(agent.nextRequest().getWait().getTimeoutMs()).isZero();
        var bad = new TestConsole(home);
        assertThat(bad.roam("wait", "--timeout", "soon", "counter")).isEqualTo(2);
        assertThat(bad.err()).contains("invalid duration 'soon'");
    }

    @Test
    void aFailedWaitPrintsTheAgentsErrorLine() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder()
                .setExitCode(1).setError("counter is still running after 5s: wait longer with --timeout")));
        var console = new TestConsole(home);
        assertThat(console.roam("wait", "--timeout", "5s", "counter")).isEqualTo(1);
        assertThat(console.err()).isEqualTo("roam: error: counter is still running after 5s: wait longer with --timeout\n");
    }

    @Test
    void checkSaysSoWhenTheJobCanBeCheckpointed() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder()
                .setCheck(CheckReport.newBuilder().setMigratable(true).addWarnings("/data/in.csv must exist on the target"))));
        var console = new TestConsole(home);
        assertThat(console.roam("check", "counter")).isZero();
        assertThat(console.out()).isEqualTo("counter can be checkpointed\n");
        assertThat(console.err()).isEqualTo("warning: /data/in.csv must exist on the target\n");
        assertThat(agent.nextRequest().getCheck().getJob()).isEqualTo("counter");
    }

    @Test
    void checkPrintsOneLinePerReasonAndExits1() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder()
                .setCheck(CheckReport.newBuilder().setMigratable(false)
                        .addReasons("fd 3 is a device file (/dev/fuse): CRIU cannot dump it")
                        .addReasons("fd 0 is a terminal: run the job with stdin from a file"))));
        var console = new TestConsole(home);
        assertThat(console.roam("check", "counter")).isEqualTo(1);
        assertThat(console.out()).isEqualTo("fd 3 is a device file (/dev/fuse): CRIU cannot dump it\n"
                + "fd 0 is a terminal: run the job with stdin from a file\n");
        assertThat(console.err()).isEmpty();
    }

    @Test
    void rmSendsRemoveAndPrintsWhatTheAgentSays() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder()
                .addLines("removed counter (2 checkpoints, 1.2M of output)")));
        var console = new TestConsole(home);
        assertThat(console.roam("rm", "counter")).isZero();
        assertThat(agent.nextRequest().getRemove().getJob()).isEqualTo("counter");
        assertThat(console.out()).isEqualTo("removed counter (2 checkpoints, 1.2M of output)\n");
    }
}
