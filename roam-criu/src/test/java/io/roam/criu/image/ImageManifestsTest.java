package io.roam.criu.image;

import io.roam.criu.CriuInfo;
import io.roam.proto.JobSpec;
import io.roam.proto.Manifest;
import io.roam.proto.MappedFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ImageManifestsTest {
    private static final byte[] KEY = "cluster-secret-1".getBytes(StandardCharsets.UTF_8);
    private static final CriuInfo HERE = new CriuInfo("4.2.1", "6.18.44", "x86_64", Set.of("uffd"));

    @TempDir Path tmp;
    private Path img;
    private Path binary;

    @BeforeEach
    void image() throws Exception {
        img = Files.createDirectories(tmp.resolve("img"));
        Random r = new Random(1);
        byte[] pages = new byte[3 * Crc32c.CHUNK / 2];
        r.nextBytes(pages);
        Files.write(img.resolve("pages-1.img"), pages);
        Files.write(img.resolve("core-1.img"), "core".getBytes());
        Files.write(img.resolve("inventory.img"), "inventory".getBytes());
        Files.write(img.resolve("stats-dump"), "stats".getBytes());
        Files.writeString(img.resolve("dump.log"), "log lines\n");
        binary = tmp.resolve("sleepy");
        Files.copy(Path.of("/bin/sleep"), binary);
    }

    private Manifest write() { return ImageManifests.write(img, inputs()); }

    private ManifestInputs inputs() {
        MappedFile mapped = MappedFiles.describe(binary, binary.toString()).orElseThrow();
        JobSpec spec = JobSpec.newBuilder().addArgv("/bin/sleep").putEnv("B", "2").putEnv("A", "1").putEnv("Z", "26").setCwd("/").build();
        return new ManifestInputs("job.1", "job", "cluster-a", "node-1", spec, false, 42, List.of(mapped), HERE, KEY);
    }

    /** Seals the image as the seal after the answer does, with the stamps taken before {@code change} ran. */
    private String sealAfter(ThrowingRunnable change) throws Exception {
        FileStamps dumped = FileStamps.of(img);
        change.run();
        try {
            ImageManifests.writeOnThisThread(img, inputs(), dumped);
        } catch (FileStamps.Changed e) {
            assertThat(Files.exists(img.resolve(ImageManifests.MANIFEST))).as("no manifest for a changed image").isFalse();
            String why = rejected();
            assertThat(why).isEqualTo("the image was never sealed: " + e.getMessage());
            assertThat(ImageChecks.unsealed(img)).as("what a transfer of the kept image answers").contains(why);
            return e.getMessage();
        }
        return "";
    }

    interface ThrowingRunnable { void run() throws Exception; }

    @Test
    void theSealAfterTheAnswerSealsAnImageThatDidNotChange() throws Exception {
        Files.writeString(img.resolve("dump.log"), "more log lines\n", StandardOpenOption.APPEND);   // logs are not the image
        assertThat(sealAfter(() -> {})).isEmpty();
        assertThat(ImageChecks.verify(img, "cluster-a", KEY, HERE)).isInstanceOf(Verified.class);
    }

    @Test
    void theSealAfterTheAnswerRefusesAFileChangedAfterTheDump() throws Exception {
        assertThat(sealAfter(() -> {
            try (var f = new RandomAccessFile(img.resolve("pages-1.img").toFile(), "rw")) {
                f.setLength(f.length() / 2);
            }
        })).isEqualTo("pages-1.img was truncated after its dump, before roam sealed it: " + 3 * Crc32c.CHUNK / 4 + " of "
                + 3 * Crc32c.CHUNK / 2 + " bytes");
    }

    @Test
    void theSealAfterTheAnswerRefusesOneByteChangedInPlace() throws Exception {
        // same size, same inode, microseconds after the stamp: only the change time tells
        assertThat(sealAfter(() -> {
            try (var f = new RandomAccessFile(img.resolve("core-1.img").toFile(), "rw")) {
                f.seek(1);
                f.write('X');
            }
        })).isEqualTo("core-1.img was changed after its dump, before roam sealed it: its bytes are not CRIU's (corrupt)");
    }

    @Test
    void theSealAfterTheAnswerRefusesFilesAddedRemovedOrReplaced() throws Exception {
        assertThat(sealAfter(() -> Files.writeString(img.resolve("extra-1.img"), "x")))
                .isEqualTo("extra-1.img appeared in the image after its dump, before roam sealed it");
        Files.delete(img.resolve(FileStamps.REFUSED));
        Files.delete(img.resolve("extra-1.img"));
        assertThat(sealAfter(() -> Files.delete(img.resolve("inventory.img"))))
                .isEqualTo("inventory.img was removed from the image after its dump, before roam sealed it");
        Files.delete(img.resolve(FileStamps.REFUSED));
        Files.writeString(img.resolve("inventory.img"), "inventory");
        assertThat(sealAfter(() -> {
            Path copy = img.resolve("stats-dump.new");
            Files.copy(img.resolve("stats-dump"), copy);
            Files.move(copy, img.resolve("stats-dump"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        })).isEqualTo("stats-dump was replaced after its dump, before roam sealed it");
    }

    private String rejected(String clusterId, byte[] key, CriuInfo here) {
        Verification v = ImageChecks.verify(img, clusterId, key, here);
        assertThat(v).isInstanceOf(Rejected.class);
        return ((Rejected) v).reason();
    }

    private String rejected() { return rejected("cluster-a", KEY, HERE); }

    @Test
    void anIntactImageIsVerified() throws Exception {
        Manifest written = write();
        assertThat(written.getFilesList()).extracting(f -> f.getName())
                .containsExactly("core-1.img", "inventory.img", "pages-1.img", "stats-dump");
        assertThat(written.getMappedFiles(0).getBuildId()).isEqualTo(ElfBuildId.read(binary).orElseThrow());
        assertThat(written.getHmac().size()).isEqualTo(32);
        assertThat(written.getCpuFlagsList()).isNotEmpty();
        assertThat(Files.exists(img.resolve("manifest.pb.tmp"))).isFalse();
        Verification v = ImageChecks.verify(img, "cluster-a", KEY, HERE);
        assertThat(v).isInstanceOfSatisfying(Verified.class, ok -> assertThat(ok.manifest()).isEqualTo(written));
        // logs and restore outputs are not part of the image
        Files.writeString(img.resolve("restore.log"), "restored");
        Files.writeString(img.resolve("restore.pid"), "123");
        assertThat(ImageChecks.verify(img, "cluster-a", KEY, HERE)).isInstanceOf(Verified.class);
    }

    @Test
    void aDirectoryWithoutManifestIsNotARoamImage() {
        assertThat(rejected()).isEqualTo("not a roam image: " + img + " has no manifest.pb");
        assertThat(ImageChecks.unsealed(img)).contains("not a roam image: " + img + " has no manifest.pb");
        write();
        assertThat(ImageChecks.unsealed(img)).isEmpty();
    }

    @Test
    void anUnparsableManifestIsNotARoamImage() throws Exception {
        Files.write(img.resolve("manifest.pb"), new byte[] {(byte) 0xff, (byte) 0xff, 0x01});
        assertThat(rejected()).isEqualTo("not a roam image: " + img.resolve("manifest.pb") + " cannot be parsed");
    }

    @Test
    void anImageOfAnotherClusterIsForeign() {
        write();
        assertThat(rejected("cluster-b", KEY, HERE)).isEqualTo("foreign image: made by cluster cluster-a, this is cluster cluster-b");
    }

    @Test
    void aWrongKeyOrAnAlteredManifestIsForeign() throws Exception {
        Manifest m = write();
        String expected = "foreign image: the manifest's signature does not match the key of cluster cluster-a (made elsewhere or altered)";
        assertThat(rejected("cluster-a", "another-secret".getBytes(), HERE)).isEqualTo(expected);
        Manifest altered = m.toBuilder().setFiles(2, m.getFiles(2).toBuilder().setSize(5)).build();
        Files.write(img.resolve("manifest.pb"), altered.toByteArray());
        assertThat(rejected()).isEqualTo(expected);
    }

    @Test
    void aTruncatedFileIsNamed() throws Exception {
        write();
        long size = Files.size(img.resolve("pages-1.img"));
        try (RandomAccessFile f = new RandomAccessFile(img.resolve("pages-1.img").toFile(), "rw")) {
            f.setLength(1234);
        }
        assertThat(rejected()).isEqualTo("pages-1.img is truncated: 1234 of " + size + " bytes");
    }

    @Test
    void aFlippedByteIsCorruption() throws Exception {
        write();
        try (RandomAccessFile f = new RandomAccessFile(img.resolve("pages-1.img").toFile(), "rw")) {
            f.seek(Crc32c.CHUNK + 5); // in the second chunk
            int b = f.read();
            f.seek(Crc32c.CHUNK + 5);
            f.write(b ^ 0x01);
        }
        assertThat(rejected()).isEqualTo("pages-1.img is corrupt (checksum mismatch)");
    }

    @Test
    void pageDataIsLeftToCheckPagesAndEverythingElseIsCheckedBefore() throws Exception {
        Manifest m = write();
        flip(img.resolve("pages-1.img"), 7);
        Verification early = ImageChecks.verifyAllButPages(img, "cluster-a", KEY, HERE);
        assertThat(early).as("the page data is not summed before the restore").isInstanceOf(Verified.class);
        assertThat(ImageChecks.checkPages(img, m)).contains("pages-1.img is corrupt (checksum mismatch)");
        flip(img.resolve("pages-1.img"), 7);
        assertThat(ImageChecks.checkPages(img, m)).isEmpty();
        flip(img.resolve("core-1.img"), 3);
        assertThat(ImageChecks.verifyAllButPages(img, "cluster-a", KEY, HERE)).isInstanceOf(Rejected.class)
                .extracting(v -> ((Rejected) v).reason()).isEqualTo("core-1.img is corrupt (checksum mismatch)");
    }

    @Test
    void aReceivedImageIsCheckedAgainstTheSumsOfWhatWasWrittenAndTheOtherFilesAreRead() throws Exception {
        Manifest m = write();
        var pages = m.getFilesList().stream().filter(f -> f.getName().equals("pages-1.img")).findFirst().orElseThrow();
        long crc = Long.parseLong(pages.getCrc32C(), 16);
        // the sums the receiver took of the pages as it wrote them: the file on disk is not read for them
        flip(img.resolve("pages-1.img"), 11);
        var asWritten = java.util.Map.of("pages-1.img", new ImageChecks.Written(pages.getSize(), crc));
        assertThat(ImageChecks.verifyReceived(img, "cluster-a", KEY, HERE, asWritten)).isInstanceOf(Verified.class);
        flip(img.resolve("pages-1.img"), 11);
        // bytes that arrived wrong are refused, by the sum of what was written
        var wrong = java.util.Map.of("pages-1.img", new ImageChecks.Written(pages.getSize(), crc ^ 1));
        assertThat(ImageChecks.verifyReceived(img, "cluster-a", KEY, HERE, wrong)).isInstanceOf(Rejected.class)
                .extracting(v -> ((Rejected) v).reason()).isEqualTo("pages-1.img is corrupt (checksum mismatch)");
        // a file without a sum of its own (or with one of another length) is read and checked
        flip(img.resolve("core-1.img"), 1);
        assertThat(ImageChecks.verifyReceived(img, "cluster-a", KEY, HERE, asWritten)).isInstanceOf(Rejected.class)
                .extracting(v -> ((Rejected) v).reason()).isEqualTo("core-1.img is corrupt (checksum mismatch)");
        flip(img.resolve("core-1.img"), 1);
        flip(img.resolve("pages-1.img"), 11);
        var shorter = java.util.Map.of("pages-1.img", new ImageChecks.Written(pages.getSize() - 1, crc));
        assertThat(ImageChecks.verifyReceived(img, "cluster-a", KEY, HERE, shorter)).isInstanceOf(Rejected.class)
                .extracting(v -> ((Rejected) v).reason()).isEqualTo("pages-1.img is corrupt (checksum mismatch)");
    }

    private static void flip(Path file, long at) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x01);
        }
    }

    @Test
    void aMissingFileIsNamed() throws Exception {
        write();
        Files.delete(img.resolve("core-1.img"));
        assertThat(rejected()).isEqualTo("core-1.img is missing from the image");
    }

    @Test
    void anExtraImageFileIsRefused() throws Exception {
        write();
        Files.writeString(img.resolve("pages-9.img"), "smuggled");
        assertThat(rejected()).isEqualTo("unexpected file pages-9.img in the image (not in the manifest)");
    }

    @Test
    void anotherArchitectureOrAnOlderCriuIsRefused() {
        write();
        assertThat(rejected("cluster-a", KEY, new CriuInfo("4.2.1", "6.18", "aarch64", Set.of())))
                .isEqualTo("image is for x86_64, this machine is aarch64");
        assertThat(rejected("cluster-a", KEY, new CriuInfo("3.19", "6.18", "x86_64", Set.of())))
                .isEqualTo("image was made by CRIU 4.2.1, this machine has the older CRIU 3.19: upgrade CRIU here");
        assertThat(ImageChecks.verify(img, "cluster-a", KEY, new CriuInfo("4.1", "6.18", "x86_64", Set.of())))
                .as("same major version").isInstanceOf(Verified.class);
    }

    @Test
    void aMappedFileThatGrewIsRefused() throws Exception {
        write();
        long size = Files.size(binary);
        Files.write(binary, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
        assertThat(rejected()).isEqualTo(binary + " changed since the checkpoint (size " + (size + 3) + " bytes, was " + size + ")");
    }

    @Test
    void aMappedFileWithAnotherBuildIdIsRefused() throws Exception {
        write();
        String before = ElfBuildId.read(binary).orElseThrow();
        byte[] bytes = Files.readAllBytes(binary);
        byte[] id = HexFormat.of().parseHex(before);
        int at = indexOf(bytes, id);
        bytes[at] ^= (byte) 0xff;
        Files.write(binary, bytes);
        String after = ElfBuildId.read(binary).orElseThrow();
        assertThat(after).isNotEqualTo(before);
        assertThat(rejected()).isEqualTo(binary + " changed since the checkpoint (build-id " + after + ", was " + before + ")");
    }

    @Test
    void aMissingMappedFileIsRefused() throws Exception {
        write();
        Files.delete(binary);
        assertThat(rejected()).isEqualTo(binary + " is missing on this machine (the job had it mapped at the checkpoint)");
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
