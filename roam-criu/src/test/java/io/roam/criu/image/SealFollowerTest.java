package io.roam.criu.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SealFollowerTest {
    @TempDir Path tmp;

    /** Appends {@code total} random bytes in uneven pieces, pausing so that the follower's passes fall in between. */
    private static void appendSlowly(Path file, int total, long seed) throws Exception {
        Random r = new Random(seed);
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            int written = 0;
            while (written < total) {
                byte[] piece = new byte[Math.min(total - written, 1 + r.nextInt(300_000))];
                r.nextBytes(piece);
                out.write(piece);
                out.flush();
                written += piece.length;
                Thread.sleep(3);
            }
        }
    }

    @Test
    void sumsTakenWhileFilesGrowEqualTheSumsOfTheFinishedFiles() throws Exception {
        Path dir = tmp.resolve("img");
        SealFollower follower = SealFollower.start(dir);   // before the directory exists, like a dump
        Thread.sleep(30);
        Files.createDirectories(dir);
        appendSlowly(dir.resolve("pages-1.img"), 5_000_123, 1);
        appendSlowly(dir.resolve("core-1.img"), 777, 2);
        Files.writeString(dir.resolve("dump.log"), "not covered");
        Files.createFile(dir.resolve("empty.img"));
        var listed = ImageManifests.list(dir);

        var followed = follower.finish(listed);

        assertThat(followed).isEqualTo(Crc32c.files(dir, listed));
        assertThat(followed).containsOnlyKeys("pages-1.img", "core-1.img", "empty.img");
        assertThat(follower.followedBytes()).as("most of it read while the files grew").isGreaterThan(4_000_000);
    }

    @Test
    void aFileThatWasReplacedOrShrankIsChecksummedAgainFromItsStart() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("img"));
        SealFollower follower = SealFollower.start(dir);
        appendSlowly(dir.resolve("a.img"), 400_000, 3);
        appendSlowly(dir.resolve("b.img"), 400_000, 4);
        Thread.sleep(60);   // both followed
        Path fresh = dir.resolve("a.img.new");
        appendSlowly(fresh, 300_000, 5);
        Files.move(fresh, dir.resolve("a.img"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);   // another inode
        try (var ch = java.nio.channels.FileChannel.open(dir.resolve("b.img"), StandardOpenOption.WRITE)) {
            ch.truncate(100_000);
        }
        var listed = ImageManifests.list(dir);

        assertThat(follower.finish(listed)).isEqualTo(Crc32c.files(dir, listed));
    }

    @Test
    void closingWithoutFinishingStopsTheFollower() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("img"));
        SealFollower follower = SealFollower.start(dir);
        appendSlowly(dir.resolve("a.img"), 100_000, 6);
        follower.close();
        follower.close();
        long read = follower.followedBytes();
        appendSlowly(dir.resolve("a.img"), 100_000, 7);
        Thread.sleep(50);
        assertThat(follower.followedBytes()).isEqualTo(read);
    }
}
