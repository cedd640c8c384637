package io.roam.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.cli.CliContext;
import io.roam.cli.TestConsole;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonPartsTest {
    @TempDir
    Path dir;

    @Test
    void aDaemonIsRecognizedByItsVerbAndStateDirNeverByAJobsArgv() {
        var home = new RoamHome(Path.of("/var/lib/roam"));
        var agent = Daemon.agent(home, NodeId.of("n1"));
        var coordinator = Daemon.coordinator(home);
        var java = List.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java", "-XX:+UseG1GC", "-cp", "/opt/roam/lib/*",
                "io.roam.dist.Main", "agent", "--state-dir", "/var/lib/roam", "--node", "n1");
        assertThat(agent.matches(java)).isTrue();
        assertThat(agent.matches(List.of("bash", "/opt/roam/bin/roam", "agent", "--state-dir", "/var/lib/roam", "--node", "n1")))
                .isTrue();
        assertThat(coordinator.matches(java)).isFalse();
        assertThat(Daemon.agent(new RoamHome(Path.of("/tmp/other")), NodeId.of("n1")).matches(java)).isFalse();
        assertThat(agent.matches(List.of("sleep", "100"))).isFalse();
        assertThat(agent.matches(List.of("grep", "--state-dir", "/var/lib/roam", "agent"))).isFalse();
        assertThat(agent.pidFile(home)).isEqualTo(Path.of("/var/lib/roam/run/agent-n1.supervise.pid"));
        assertThat(agent.exitsFile(home)).isEqualTo(Path.of("/var/lib/roam/run/agent-n1.exits"));
        assertThat(coordinator.logFile(home)).isEqualTo(Path.of("/var/lib/roam/log/coordinator.log"));
    }

    @Test
    void theSuperviseCommandLineFollowsItsContract() {
        var home = new RoamHome(Path.of("/var/lib/roam"));
        var launcher = new SuperviseLauncher(Path.of("/opt/roam/lib/native/roam-supervise"), Path.of("/opt/roam/bin/roam"), home);
        assertThat(launcher.command(Daemon.coordinator(home))).containsExactly("/opt/roam/lib/native/roam-supervise",
                "--pidfile", "/var/lib/roam/run/coordinator.supervise.pid", "--exits", "/var/lib/roam/run/coordinator.exits",
                "--log", "/var/lib/roam/log/coordinator.log", "--", "/opt/roam/bin/roam", "coordinator", "--state-dir",
                "/var/lib/roam");
    }

    @Test
    void coordinatorAddressesParse() {
        assertThat(Readiness.parse("127.0.0.1:4242")).hasValue(InetSocketAddress.createUnresolved("127.0.0.1", 4242));
        assertThat(Readiness.parse("[::1]:80")).hasValue(InetSocketAddress.createUnresolved("::1", 80));
        assertThat(Readiness.parse("node7.example:1")).hasValue(InetSocketAddress.createUnresolved("node7.example", 1));
        for (String bad : List.of("", "host", "host:", ":80", "h:0", "h:65536", "h:x")) assertThat(Readiness.parse(bad)).isEmpty();
    }

    @Test
    void aCoordinatorIsReadyOnlyWhenItsAddressAcceptsConnections() throws IOException {
        var home = new RoamHome(dir);
        assertThat(Readiness.coordinator(home)).isEmpty();
        try (var server = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Files.writeString(home.coordinatorAddressFile(), "127.0.0.1:" + server.getLocalPort() + "\n");
            assertThat(Readiness.coordinator(home)).hasValue("127.0.0.1:" + server.getLocalPort());
        }
        assertThat(Readiness.coordinator(home)).as("closed port").isEmpty();
    }

    @Test
    void theLogTailIsTheLastLinesEvenOfABigLog() throws IOException {
        Path log = dir.resolve("agent.log");
        Files.write(log, IntStream.range(0, 20_000).mapToObj(i -> "line " + i).toList());
        assertThat(LogTail.lastLines(log, 3)).containsExactly("line 19997", "line 19998", "line 19999");
        Files.writeString(log, "only\n");
        assertThat(LogTail.lastLines(log, 3)).containsExactly("only");
        assertThat(LogTail.lastLines(dir.resolve("missing.log"), 3)).isEmpty();
    }

    @Test
    void procFsSeesAChildAndItsEnd() throws Exception {
        Process p = new ProcessBuilder("sleep", "30").start();
        try {
            assertThat(ProcFs.alive(p.pid())).isTrue();
            assertThat(ProcFs.cmdline(p.pid())).containsExactly("sleep", "30");
            assertThat(ProcFs.children(ProcessHandle.current().pid())).contains(p.pid());
        } finally {
            p.destroyForcibly().waitFor();
        }
        assertThat(ProcFs.alive(p.pid())).isFalse();
        assertThat(ProcFs.cmdline(p.pid())).isEmpty();
    }

    @Test
    void aPidFileOfAnotherProgramIsNoSupervisor() throws IOException {
        Path pidFile = dir.resolve("x.supervise.pid");
        assertThat(Supervisor.fromPidFile(pidFile)).isEmpty();
        Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
        assertThat(Supervisor.fromPidFile(pidFile)).as("the test JVM is alive but no roam-supervise").isEmpty();
        Files.writeString(pidFile, "garbage");
        assertThat(Supervisor.fromPidFile(pidFile)).isEmpty();
    }

    @Test
    void upAndDownNeedRoot() {
        var user = new TestConsole(dir, Map.of(CliContext.DIST_ENV, "/opt/roam"), OptionalInt.empty(), 1000);
        assertThat(user.roam("up")).isEqualTo(1);
        assertThat(user.err()).isEqualTo("roam: error: roam up must run as root (the agent runs jobs as their users and "
                + "drives CRIU): run 'sudo roam up'\n");
        var down = new TestConsole(dir, Map.of(), OptionalInt.empty(), 1000);
        assertThat(down.roam("down")).isEqualTo(1);
        assertThat(down.err()).isEqualTo("roam: error: roam down must run as root: run 'sudo roam down'\n");
    }

    @Test
    void downWithNothingEverStartedIsAlreadyDown() {
        var root = new TestConsole(dir, Map.of(), OptionalInt.empty(), 0);
        assertThat(root.roam("down", "--state-dir", dir.resolve("never").toString())).isZero();
        assertThat(root.out()).isEqualTo("roam is already down (nothing in " + dir.resolve("never") + ")\n");
    }
}
