package io.roam.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.proto.CheckpointInfo;
import io.roam.proto.Done;
import io.roam.proto.LocalRequest;
import io.roam.proto.NodeInfo;
import io.roam.proto.NodeLoad;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** checkpoint, restore, checkpoints, sleep, wake, nodes. */
class CheckpointAndClusterCommandsTest {
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
    void checkpointPrintsTheCheckpointIdAndRestoreTheJobId() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> {
            switch (req.getCmdCase()) {
                case CHECKPOINT -> replies.progress("dumping counter (12 MB)").done(Done.newBuilder().setId("counter.3"));
                case RESTORE -> replies.done(Done.newBuilder().setId("counter"));
                default -> throw new AssertionError("unexpected " + req);
            }
        });
        var dump = new TestConsole(home);
        assertThat(dump.roam("checkpoint", "--leave-running", "counter")).isZero();
        assertThat(dump.out()).isEqualTo("counter.3\n");
        assertThat(dump.err()).isEqualTo("dumping counter (12 MB)\n");
        var cmd = agent.nextRequest().getCheckpoint();
        assertThat(cmd.getJob()).isEqualTo("counter");
        assertThat(cmd.getLeaveRunning()).isTrue();

        var restore = new TestConsole(home);
        assertThat(restore.roam("restore", "counter.3")).isZero();
        assertThat(restore.out()).isEqualTo("counter\n");
        assertThat(agent.nextRequest().getRestore().getCheckpoint()).isEqualTo("counter.3");
    }

    @Test
    void restoreOfSomethingThatIsNoCheckpointIdIsAUsageError() {
        var console = new TestConsole(home);
        assertThat(console.roam("restore", "counter")).isEqualTo(2);
        assertThat(console.err()).contains("invalid checkpoint id 'counter': expected JOB.N");
    }

    @Test
    void checkpointsTableSaysWhichKindEachIs() throws Exception {
        long now = TestConsole.NOW.toEpochMilli();
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder()
                .addCheckpoints(CheckpointInfo.newBuilder().setId("counter.1").setJob("counter").setNode("n1")
                        .setCreatedMs(now - 120_000).setSizeBytes(3_500_000).setLeaveRunning(true))
                .addCheckpoints(CheckpointInfo.newBuilder().setId("counter.2").setJob("counter").setNode("n1")
                        .setCreatedMs(now - 7_000).setSizeBytes(512))
                .addCheckpoints(CheckpointInfo.newBuilder().setId("web.1").setJob("web").setNode("n2")
                        .setCreatedMs(now - 2 * 86_400_000L).setSizeBytes(2L << 30).setSleep(true))));
        var console = new TestConsole(home);

        assertThat(console.roam("checkpoints", "counter")).isZero();

        assertThat(agent.nextRequest().getCheckpoints().getJob()).isEqualTo("counter");
        assertThat(console.out()).isEqualTo(
                "CHECKPOINT  JOB      NODE  AGE  SIZE  STATE\n"
                + "counter.1   counter  n1    2m   3.3M  snapshot\n"
                + "counter.2   counter  n1    7s   512B  stopped\n"
                + "web.1       web      n2    2d   2.0G  sleep\n");
    }

    @Test
    void checkpointsWithoutAJobAsksForAll() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.getDefaultInstance()));
        assertThat(new TestConsole(home).roam("checkpoints")).isZero();
        assertThat(agent.nextRequest().getCheckpoints().getJob()).isEmpty();
    }

    @Test
    void sleepAndWakePrintTheAgentsLines() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> {
            String node = req.getCmdCase() == LocalRequest.CmdCase.SLEEP ? req.getSleep().getNode() : req.getWake().getNode();
            replies.done(Done.newBuilder().addLines(req.getCmdCase().name().toLowerCase() + " " + (node.isEmpty() ? "local" : node))
                    .addLines("2 jobs"));
        });
        var sleep = new TestConsole(home);
        assertThat(sleep.roam("sleep")).isZero();
        assertThat(sleep.out()).isEqualTo("sleep local\n2 jobs\n");
        var wake = new TestConsole(home);
        assertThat(wake.roam("wake", "n3")).isZero();
        assertThat(wake.out()).isEqualTo("wake n3\n2 jobs\n");
    }

    @Test
    void nodesTableShowsLoad() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder()
                .addNodes(NodeInfo.newBuilder().setId("n1").setAddress("10.77.0.2:7443").setState("up")
                        .setLoad(NodeLoad.newBuilder().setJobs(3).setRunnable(2).setCpuPressure(12.345).setMemFreeBytes(3L << 30)))
                .addNodes(NodeInfo.newBuilder().setId("n2").setAddress("10.77.0.3:7443").setState("down"))));
        var console = new TestConsole(home);

        assertThat(console.roam("nodes")).isZero();

        assertThat(agent.nextRequest().getCmdCase()).isEqualTo(LocalRequest.CmdCase.NODES);
        assertThat(console.out()).isEqualTo(
                "ID  ADDRESS         STATE  JOBS  RUNNABLE  CPU%  MEM-FREE\n"
                + "n1  10.77.0.2:7443  up     3     2         12.3  3.0G\n"
                + "n2  10.77.0.3:7443  down   -     -         -     -\n");
    }
}
