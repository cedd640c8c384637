package io.roam.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.roam.cli.ScriptedAgent;
import io.roam.proto.Done;
import io.roam.proto.LocalReply;
import io.roam.proto.LocalRequest;
import io.roam.proto.PingCmd;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentClientTest {
    private static final LocalRequest PING = LocalRequest.newBuilder().setPing(PingCmd.getDefaultInstance()).build();

    @TempDir
    Path dir;

    private final List<String> events = new ArrayList<>();
    private final ReplySink sink = new ReplySink() {
        @Override public void out(ByteString b) { events.add("out:" + b.toStringUtf8()); }
        @Override public void err(ByteString b) { events.add("err:" + b.toStringUtf8()); }
        @Override public void progress(String line) { events.add("progress:" + line); }
    };

    @Test
    void repliesArriveInOrderAndDoneEndsTheCall() throws Exception {
        try (var agent = ScriptedAgent.start(dir.resolve("a.sock"), (req, r) -> {
            r.out("1").err("2").progress("3").send(LocalReply.getDefaultInstance()).out("4");
            r.done(Done.newBuilder().setExitCode(3).setId("x"));
        })) {
            var outcome = new AgentClient(dir.resolve("a.sock")).call(PING, sink, Optional.of(Duration.ofSeconds(5)));
            assertThat(outcome).isEqualTo(new CallOutcome.Answered(Done.newBuilder().setExitCode(3).setId("x").build()));
            assertThat(events).containsExactly("out:1", "err:2", "progress:3", "out:4");
            assertThat(agent.nextRequest()).isEqualTo(PING);
        }
    }

    @Test
    void aMissingSocketIsNotRunning() {
        var outcome = new AgentClient(dir.resolve("none.sock")).call(PING, sink, Optional.empty());
        assertThat(outcome).isEqualTo(new CallOutcome.NotRunning(dir.resolve("none.sock")));
    }

    @Test
    void aSilentAgentTimesOutAfterTheIdleTimeButOutputKeepsTheCallAlive() throws Exception {
        var hold = new CountDownLatch(1);
        try (var agent = ScriptedAgent.start(dir.resolve("a.sock"), (req, r) -> {
            for (int i = 0; i < 6; i++) {
                Thread.sleep(100);
                r.progress("still dumping");
            }
            hold.await(10, TimeUnit.SECONDS);
        })) {
            long start = System.nanoTime();
            var outcome = new AgentClient(dir.resolve("a.sock")).call(PING, sink, Optional.of(Duration.ofMillis(300)));
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            hold.countDown();
            assertThat(outcome).isEqualTo(new CallOutcome.TimedOut(Duration.ofMillis(300)));
            assertThat(events).hasSize(6);
            assertThat(tookMs).as("600 ms of progress, then 300 ms of silence").isBetween(850L, 5000L);
        }
    }

    @Test
    void anAgentThatClosesBeforeDoneIsADisconnect() throws Exception {
        try (var agent = ScriptedAgent.start(dir.resolve("a.sock"), (req, r) -> r.out("half"))) {
            var outcome = new AgentClient(dir.resolve("a.sock")).call(PING, sink, Optional.of(Duration.ofSeconds(5)));
            assertThat(outcome).isInstanceOf(CallOutcome.Disconnected.class);
            assertThat(events).containsExactly("out:half");
        }
    }
}
