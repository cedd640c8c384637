package io.roam.agent.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.agent.sandbox.CommandLookup.Found;
import io.roam.agent.sandbox.CommandLookup.NotFound;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLookupTest {
    private static final UserAccess ROOT = new UserAccess(0, 0, List.of());
    private static final UserAccess NOBODY = new UserAccess(65534, 65534, List.of());

    @TempDir Path dir;

    @Test
    void findsTheFirstExecutableOnTheJobsPath() throws IOException {
        Path first = script(dir.resolve("a/tool"), "rwxr-xr-x");
        script(dir.resolve("b/tool"), "rwxr-xr-x");

        var result = CommandLookup.resolve("tool", dir, Map.of("PATH", dir + "/a:" + dir + "/b"), NOBODY);

        assertThat(result).isEqualTo(new Found(first));
    }

    @Test
    void relativeAndEmptyPathEntriesAreRelativeToTheWorkingDirectory() throws IOException {
        Path inBin = script(dir.resolve("bin/tool"), "rwxr-xr-x");
        Path inCwd = script(dir.resolve("here"), "rwxr-xr-x");

        assertThat(CommandLookup.resolve("tool", dir, Map.of("PATH", "bin"), ROOT)).isEqualTo(new Found(inBin));
        assertThat(CommandLookup.resolve("here", dir, Map.of("PATH", "/nonexistent:"), ROOT)).isEqualTo(new Found(inCwd));
    }

    @Test
    void aMissingCommandNamesThePathThatWasSearched() {
        var result = CommandLookup.resolve("nosuchcmd", dir, Map.of("PATH", "/usr/bin:/bin"), ROOT);

        assertThat(result).isEqualTo(new NotFound("no such command: nosuchcmd (searched PATH=/usr/bin:/bin)"));
    }

    @Test
    void withoutPathTheDefaultIsSearched() {
        assertThat(CommandLookup.resolve("sh", dir, Map.of(), ROOT)).isInstanceOf(Found.class);
        assertThat(CommandLookup.resolve("nosuchcmd", dir, Map.of(), ROOT))
                .isEqualTo(new NotFound("no such command: nosuchcmd (searched PATH=" + CommandLookup.DEFAULT_PATH + ")"));
    }

    @Test
    void executabilityIsJudgedForTheJobsUserNotForTheAgent() throws IOException {
        Path ownerOnly = script(dir.resolve("tool"), "rwxr--r--");
        Map<String, String> env = Map.of("PATH", dir.toString());

        assertThat(CommandLookup.resolve("tool", dir, env, ROOT)).isEqualTo(new Found(ownerOnly));
        assertThat(CommandLookup.resolve("tool", dir, env, NOBODY)).isInstanceOf(NotFound.class)
                .extracting(r -> ((NotFound) r).reason()).asString()
                .isEqualTo("permission denied: " + ownerOnly + " is not executable by uid 65534 (chmod +x it, or check its owner)");
        assertThat(CommandLookup.resolve("tool", dir, env, new UserAccess(0, 0, List.of()))).isInstanceOf(Found.class);
    }

    @Test
    void groupBitsApplyToThePrimaryAndSupplementaryGroups() throws IOException {
        Path groupOnly = script(dir.resolve("tool"), "rwxr-x---");
        Files.setAttribute(groupOnly, "unix:gid", 4242);
        Map<String, String> env = Map.of("PATH", dir.toString());

        assertThat(CommandLookup.resolve("tool", dir, env, new UserAccess(1000, 4242, List.of()))).isInstanceOf(Found.class);
        assertThat(CommandLookup.resolve("tool", dir, env, new UserAccess(1000, 1000, List.of(4242)))).isInstanceOf(Found.class);
        assertThat(CommandLookup.resolve("tool", dir, env, new UserAccess(1000, 1000, List.of()))).isInstanceOf(NotFound.class);
    }

    @Test
    void aCommandWithASlashIsNotLookedUpOnPath() throws IOException {
        Path local = script(dir.resolve("sub/run.sh"), "rwxr-xr-x");

        assertThat(CommandLookup.resolve("./sub/run.sh", dir, Map.of("PATH", "/usr/bin"), ROOT)).isEqualTo(new Found(local));
        assertThat(CommandLookup.resolve(local.toString(), Path.of("/"), Map.of(), ROOT)).isEqualTo(new Found(local));
        assertThat(CommandLookup.resolve("./missing", dir, Map.of(), ROOT))
                .isEqualTo(new NotFound("no such command: ./missing (no file " + dir.resolve("missing") + ")"));
    }

    @Test
    void directoriesAreNotCommands() throws IOException {
        Files.createDirectories(dir.resolve("bin/tool"));

        assertThat(CommandLookup.resolve("tool", dir, Map.of("PATH", dir.resolve("bin").toString()), ROOT))
                .isInstanceOf(NotFound.class);
    }

    private static Path script(Path path, String mode) throws IOException {
        Files.createDirectories(path.getParent());
        Files.writeString(path, "#!/bin/sh\n");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
        return path;
    }
}
