package io.roam.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.proto.Done;
import io.roam.proto.LocalReply;
import io.roam.proto.RoamEvent;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** roam events and roam owner against a scripted agent. */
class EventsAndOwnerCommandsTest {
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

    private static final RoamEvent MIGRATE = RoamEvent.newBuilder().setSeq(7).setTimeMs(TestConsole.NOW.toEpochMilli()).setKind("migrate")
            .setJob("long1").setNode("n1").setTarget("n3").setReason("roam: age 2.2 s, expected gain 2.1 s > 0 after cost 0.1 s").setUid(1000).build();
    private static final RoamEvent OWNER = RoamEvent.newBuilder().setSeq(8).setTimeMs(TestConsole.NOW.toEpochMilli() + 61_000).setKind("owner-active")
            .setNode("n2").setReason("owner active (simulated: roam owner --active)").setUid(-1).build();

    @Test
    void eventsPrintsOneLinePerEventWithTimeKindJobNodeAndReason() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> {
            replies.send(LocalReply.newBuilder().setEvent(MIGRATE).build());
            replies.send(LocalReply.newBuilder().setEvent(OWNER).build());
            replies.done(Done.newBuilder());
        });
        var console = new TestConsole(home);
        assertThat(console.roam("events", "--node", "n2", "--job", "long1", "--last", "5")).isZero();
        var cmd = agent.nextRequest().getEvents();
        assertThat(cmd.getNode()).isEqualTo("n2");
        assertThat(cmd.getJob()).isEqualTo("long1");
        assertThat(cmd.getLast()).isEqualTo(5);
        assertThat(cmd.getFollow()).isFalse();
        assertThat(console.out()).isEqualTo(
                "2026-01-10 12:00:00  migrate        long1            n1 -> n3   roam: age 2.2 s, expected gain 2.1 s > 0 after cost 0.1 s\n"
                + "2026-01-10 12:01:01  owner-active   -                n2         owner active (simulated: roam owner --active)\n");
    }

    @Test
    void eventsJsonIsOneObjectPerLine() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> {
            replies.send(LocalReply.newBuilder().setEvent(MIGRATE).build());
            replies.done(Done.newBuilder());
        });
        var console = new TestConsole(home);
        assertThat(console.roam("events", "--json", "--follow")).isZero();
        assertThat(agent.nextRequest().getEvents().getFollow()).isTrue();
        assertThat(console.out()).startsWith("{\"seq\":\"7\",").contains("\"kind\":\"migrate\"", "\"target\":\"n3\"").endsWith("}\n");
    }

    @Test
    void ownerNeedsExactlyOneOfActiveAndIdle() {
        var both = new TestConsole(home);
        assertThat(both.roam("owner", "n2", "--active", "--idle")).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");
        var none = new TestConsole(home);
        assertThat(none.roam("owner", "n2")).isEqualTo(2);
    }

    @Test
    void ownerSendsTheNodeAndTheModeAndReportsTheRefusal() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(req.getOwner().getActive()
                ? Done.newBuilder().addLines("owner activity on n2 simulated")
                : Done.newBuilder().setExitCode(1).setError("only root may simulate a node's owner: run 'sudo roam owner n2 --idle'")));
        var active = new TestConsole(home);
        assertThat(active.roam("owner", "n2", "--active")).isZero();
        assertThat(active.out()).isEqualTo("owner activity on n2 simulated\n");
        assertThat(agent.nextRequest().getOwner().getNode()).isEqualTo("n2");
        var idle = new TestConsole(home);
        assertThat(idle.roam("owner", "n2", "--idle")).isEqualTo(1);
        assertThat(idle.err()).isEqualTo("roam: error: only root may simulate a node's owner: run 'sudo roam owner n2 --idle'\n");
    }
}
