package io.roam.nativebin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeBinariesTest {
    @TempDir Path lib;

    @Test
    void bothBinariesArePackagedAsElfExecutables() throws IOException {
        for (String name : new String[] {NativeBinaries.INIT, NativeBinaries.SUPERVISE}) {
            try (InputStream in = NativeBinaries.resource(name)) {
                assertThat(in.readNBytes(4)).as(name).containsExactly(0x7f, 'E', 'L', 'F');
            }
        }
    }

    @Test
    void installNamesTheFileAfterItsContentAndMakesItExecutable() throws Exception {
        Path installed = NativeBinaries.install(NativeBinaries.INIT, lib.resolve("nested/lib"));

        byte[] expected;
        try (InputStream in = NativeBinaries.resource(NativeBinaries.INIT)) {
            expected = in.readAllBytes();
        }
        assertThat(installed.getFileName().toString()).isEqualTo("roam-init-" + sha256(expected).substring(0, 12));
        assertThat(installed.getParent()).isEqualTo(lib.resolve("nested/lib"));
        assertThat(Files.readAllBytes(installed)).isEqualTo(expected);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(installed))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void installIsIdempotentAndLeavesNoTemporaryFiles() throws IOException {
        Path first = NativeBinaries.install(NativeBinaries.SUPERVISE, lib);
        long modified = Files.getLastModifiedTime(first).toMillis();
        Path second = NativeBinaries.install(NativeBinaries.SUPERVISE, lib);

        assertThat(second).isEqualTo(first);
        assertThat(Files.getLastModifiedTime(second).toMillis()).isEqualTo(modified);
        try (var files = Files.list(lib)) {
            assertThat(files).containsExactly(first);
        }
    }

    @Test
    void installReplacesAFileWhoseContentDoesNotMatchItsName() throws IOException {
        Path installed = NativeBinaries.install(NativeBinaries.INIT, lib);
        Files.writeString(installed, "truncated");

        assertThat(NativeBinaries.install(NativeBinaries.INIT, lib)).isEqualTo(installed);
        try (InputStream in = NativeBinaries.resource(NativeBinaries.INIT)) {
            assertThat(Files.readAllBytes(installed)).isEqualTo(in.readAllBytes());
        }
    }

    @Test
    void anUnknownBinaryIsReportedWithWhatToDo() {
        assertThatThrownBy(() -> NativeBinaries.resource("roam-nope"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("roam-nope is missing")
                .hasMessageContaining("rebuild");
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
