package io.roam.criu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** criu gets the files of RestoreSpec.openFiles as its own descriptors (for --inherit-fd), through a real shell. */
class OpenFilesTest {
    @TempDir Path dir;

    @Test
    void theCommandRunsWithEachFileOpenAtItsDescriptorAndItsOwnArguments() throws Exception {
        Path a = Files.writeString(dir.resolve("a file"), "A");
        Path b = Files.writeString(dir.resolve("b'\"$x"), "B");
        List<String> cmd = CriuCheckpointEngine.withOpenFiles(
                List.of("sh", "-c", "readlink /proc/self/fd/7; readlink /proc/self/fd/9; echo \"$0|$1\"", "x y", "$HOME"),
                Map.of(9, b, 7, a));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out.lines().toList()).containsExactly(a.toString(), b.toString(), "x y|$HOME");
    }

    @Test
    void withoutFilesTheCommandIsUnchanged() {
        assertThat(CriuCheckpointEngine.withOpenFiles(List.of("criu", "restore"), Map.of())).containsExactly("criu", "restore");
    }
}
