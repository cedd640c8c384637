package io.roam.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.roam.proto.Done;
import io.roam.proto.JobInfo;
import io.roam.proto.JobSpec;
import io.roam.proto.JobState;
import io.roam.proto.LocalRequest;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunAndPsTest {
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
    void runSendsArgvCwdAndTheWholeEnvironmentAndPrintsTheJobId() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder().setId("counter")));
        var console = new TestConsole(home, Map.of("PATH", "/usr/bin", "FOO", "bar baz", "ROAM_DIST", "/opt/roam"),
                OptionalInt.empty(), 1000);

        int exit = console.roam("run", "--name", "counter", "--node", "n2", "--", "python3", "-u", "count.py", "--every", "1");

        assertThat(exit).isZero();
        assertThat(console.out()).isEqualTo("counter\n");
        assertThat(console.err()).isEmpty();
        var run = agent.nextRequest().getRun();
        assertThat(run.getArgvList()).containsExactly("python3", "-u", "count.py", "--every", "1");
        assertThat(run.getCwd()).isEqualTo(home.toString());
        assertThat(run.getEnvMap()).as("the launcher's ROAM_DIST is no part of the caller's environment")
                .isEqualTo(Map.of("PATH", "/usr/bin", "FOO", "bar baz"));
        assertThat(run.getName()).isEqualTo("counter");
        assertThat(run.getNode()).isEqualTo("n2");
    }

    @Test
    void optionsAfterTheCommandBelongToTheCommandEvenWithoutDashDash() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder().setId("j2abcde")));
        var console = new TestConsole(home);

        assertThat(console.roam("run", "ls", "-l", "--name", "x")).isZero();

        var run = agent.nextRequest().getRun();
        assertThat(run.getArgvList()).containsExactly("ls", "-l", "--name", "x");
        assertThat(run.getName()).isEmpty();
        assertThat(console.out()).isEqualTo("j2abcde\n");
    }

    @Test
    void runWithoutACommandOrWithABadNameIsAUsageError() {
        var console = new TestConsole(home);
        assertThat(console.roam("run")).isEqualTo(2);
        assertThat(console.err()).startsWith("roam: error: Missing required parameter: 'CMD'").contains("'roam run --help'");
        assertThat(console.err().lines()).hasSize(1);

        var other = new TestConsole(home);
        assertThat(other.roam("run", "--name", "has space", "--", "true")).isEqualTo(2);
        assertThat(other.err()).contains("invalid job name 'has space'");
    }

    @Test
    void psRendersATableWithAgeRssAndTheCommandCutTo60Characters() throws Exception {
        String longArg = "x".repeat(80);
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder()
                .addJobs(job("counter", "n1", JobState.RUNNING, 5_000, 12_900_000L, "python3", "-u", "count.py"))
                .addJobs(job("big", "n2", JobState.CHECKPOINTED, 3 * 3600_000L, 0, "/bin/sh", "-c", longArg))));
        var console = new TestConsole(home);

        assertThat(console.roam("ps")).isZero();

        assertThat(agent.nextRequest().getPs().getAll()).isFalse();
        String cut = ("/bin/sh -c " + longArg).substring(0, 57) + "...";
        assertThat(console.out()).isEqualTo(
                "ID       NODE  STATE         AGE  RSS    COMMAND\n"
                + "counter  n1    RUNNING       5s   12.3M  python3 -u count.py\n"
                + "big      n2    CHECKPOINTED  3h   -      " + cut + "\n");
    }

    @Test
    void psFitsTheCommandToTheTerminalWidthAndShowsFinishedJobsWithAll() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder()
                .addJobs(job("done1", "n1", JobState.EXITED, 4 * 86400_000L, 0, "make", "-j8", "all", "install", "DESTDIR=/tmp/staging"))
                .addJobs(JobInfo.newBuilder(job("gone", "", JobState.LOST, 90_000, 0, "sleep", "100")).build())));
        var console = new TestConsole(home, Map.of(), OptionalInt.of(60), 1000);

        assertThat(console.roam("ps", "--all")).isZero();

        assertThat(agent.nextRequest().getPs().getAll()).isTrue();
        var lines = console.out().lines().toList();
        assertThat(lines.get(1)).startsWith("done1  n1    EXITED(0)  4d   -    ").hasSize(60).endsWith("...");
        assertThat(lines.get(2)).isEqualTo("gone   -     LOST       1m   -    sleep 100");
    }

    @Test
    void runNetAsksForAnAddressAndPsShowsItOnlyWhenAJobHasOne() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> {
            if (req.hasRun()) {
                replies.done(Done.newBuilder().setId("echo"));
            } else {
                replies.done(Done.newBuilder()
                        .addJobs(job("echo", "n2", JobState.RUNNING, 5_000, 0, "python3", "echo.py").toBuilder().setNetAddress("10.130.7.12"))
                        .addJobs(job("plain", "n1", JobState.RUNNING, 5_000, 0, "sleep", "9")));
            }
        });
        var run = new TestConsole(home);
        assertThat(run.roam("run", "--net", "--name", "echo", "--", "python3", "echo.py")).isZero();
        assertThat(agent.nextRequest().getRun().getNet()).isTrue();
        var plainRun = new TestConsole(home);
        assertThat(plainRun.roam("run", "--", "sleep", "9")).isZero();
        assertThat(agent.nextRequest().getRun().getNet()).isFalse();

        var ps = new TestConsole(home);
        assertThat(ps.roam("ps")).isZero();
        assertThat(ps.out()).isEqualTo(
                "ID     NODE  ADDRESS      STATE    AGE  RSS  COMMAND\n"
                + "echo   n2    10.130.7.12  RUNNING  5s   -    python3 echo.py\n"
                + "plain  n1    -            RUNNING  5s   -    sleep 9\n");
    }

    @Test
    void psJsonIsAnArrayOfProtobufJobInfos() throws Exception {
        var j = job("counter", "n1", JobState.RUNNING, 5_000, 1024, "sleep", "9");
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.newBuilder().addJobs(j).addJobs(j)));
        var console = new TestConsole(home);

        assertThat(console.roam("ps", "--json")).isZero();

        var lines = console.out().lines().toList();
        assertThat(lines).hasSize(4).first().isEqualTo("[");
        assertThat(lines.getLast()).isEqualTo("]");
        var parsed = JobInfo.newBuilder();
        JsonFormat.parser().merge(lines.get(1).replaceAll(",$", ""), parsed);
        assertThat(parsed.build()).isEqualTo(j);
        assertThat(lines.get(1)).contains("\"rss_bytes\":\"1024\"");
    }

    @Test
    void anEmptyPsPrintsTheHeaderAndAnEmptyJsonArray() throws Exception {
        agent = ScriptedAgent.start(home.resolve("agent.sock"), (req, replies) -> replies.done(Done.getDefaultInstance()));
        var table = new TestConsole(home);
        assertThat(table.roam("ps")).isZero();
        assertThat(table.out()).isEqualTo("ID  NODE  STATE  AGE  RSS  COMMAND\n");
        var json = new TestConsole(home);
        assertThat(json.roam("ps", "--json")).isZero();
        assertThat(json.out()).isEqualTo("[]\n");
        assertThat(agent.nextRequest().getCmdCase()).isEqualTo(LocalRequest.CmdCase.PS);
    }

    static JobInfo job(String id, String node, JobState state, long ageMs, long rss, String... argv) {
        var b = JobInfo.newBuilder().setId(id).setNode(node).setState(state)
                .setCreatedMs(TestConsole.NOW.toEpochMilli() - ageMs).setRssBytes(rss)
                .setSpec(JobSpec.newBuilder().addAllArgv(java.util.List.of(argv)));
        if (state == JobState.EXITED) b.setHasExitCode(true).setExitCode(0);
        return b.build();
    }
}
