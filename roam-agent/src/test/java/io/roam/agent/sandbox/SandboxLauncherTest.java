package io.roam.agent.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.agent.sandbox.LaunchOutcome.LaunchFailed;
import io.roam.core.JobId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The refusals: each is answered before anything is created or started (the init binary does not even exist). */
class SandboxLauncherTest {
    @TempDir Path dir;

    private final SandboxLauncher launcher = new SandboxLauncher(Path.of("/nonexistent/roam-init"));

    @Test
    void anEmptyCommandIsRefused() {
        assertThat(launcher.launch(spec(List.of(), dir, 0)))
                .isEqualTo(new LaunchFailed("no command given: name the program to run"));
        assertThat(dir.resolve("spool")).doesNotExist();
    }

    @Test
    void aMissingOrNonDirectoryWorkingDirectoryIsRefused() throws IOException {
        Path file = Files.createFile(dir.resolve("file"));

        assertThat(launcher.launch(spec(List.of("true"), dir.resolve("gone"), 0))).isEqualTo(new LaunchFailed(
                "working directory " + dir.resolve("gone") + " does not exist: create it, or run from another directory"));
        assertThat(launcher.launch(spec(List.of("true"), file, 0)))
                .isEqualTo(new LaunchFailed("working directory " + file + " is not a directory: run from a directory"));
        assertThat(dir.resolve("spool")).doesNotExist();
    }

    @Test
    void anUnknownCommandIsRefusedWithThePathSearched() {
        assertThat(launcher.launch(spec(List.of("nosuchcmd-xyz", "arg"), dir, 0)))
                .isEqualTo(new LaunchFailed("no such command: nosuchcmd-xyz (searched PATH=/usr/bin:/bin)"));
        assertThat(dir.resolve("spool")).doesNotExist();
    }

    @Test
    void aSpoolTheUserCannotReachIsRefused() throws IOException {
        Path closed = Files.createDirectories(dir.resolve("closed"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        SandboxSpec spec = new SandboxSpec(JobId.of("j1"), List.of("true"), dir, Map.of("PATH", "/usr/bin:/bin"),
                65534, 65534, List.of(), closed.resolve("spool/j1"));

        assertThat(launcher.launch(spec)).isEqualTo(new LaunchFailed("spool directory " + closed.resolve("spool/j1")
                + " is not reachable by uid 65534: make " + closed + " searchable (chmod o+x) or use a roam home the user"
                + " can traverse"));
        assertThat(closed.resolve("spool/j1")).doesNotExist();
    }

    @Test
    void jobsGetAPrivateTmpdirAndJvmsNoPerfData() {
        Path spool = dir.resolve("spool");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");

        assertThat(SandboxLauncher.jobEnvironment(Map.of("A", "1"), spool, Path.of("/bin/sh")))
                .isEqualTo(Map.of("A", "1", "TMPDIR", spool.resolve("tmp").toString()));
        assertThat(SandboxLauncher.jobEnvironment(Map.of(), spool, java)).containsEntry("JAVA_TOOL_OPTIONS", "-XX:-UsePerfData");
        assertThat(SandboxLauncher.jobEnvironment(Map.of("JAVA_TOOL_OPTIONS", "-Xmx1g"), spool, jshell))
                .containsEntry("JAVA_TOOL_OPTIONS", "-Xmx1g -XX:-UsePerfData");
        assertThat(SandboxLauncher.jobEnvironment(Map.of("JAVA_TOOL_OPTIONS", "-XX:+UsePerfData"), spool, java))
                .containsEntry("JAVA_TOOL_OPTIONS", "-XX:+UsePerfData");   // the user asked for it explicitly
    }

    private SandboxSpec spec(List<String> argv, Path cwd, int uid) {
        return new SandboxSpec(JobId.of("j1"), argv, cwd, Map.of("PATH", "/usr/bin:/bin"), uid, uid, List.of(),
                dir.resolve("spool"));
    }
}
