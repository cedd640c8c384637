package io.roam.criu.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

class Crc32cTest {
    @TempDir Path dir;

    private static long crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return c.getValue();
    }

    @Test
    void combineEqualsTheChecksumOfTheConcatenation() {
        Random r = new Random(42);
        byte[] data = new byte[100_000];
        r.nextBytes(data);
        for (int split : new int[] {0, 1, 3, 4096, 50_000, 99_999, 100_000}) {
            long a = crc(data, 0, split);
            long b = crc(data, split, data.length - split);
            assertThat(Crc32c.combine(a, b, data.length - split)).as("split at %d", split).isEqualTo(crc(data, 0, data.length));
        }
    }

    @Test
    void filesAreChecksummedInChunksLikeInOnePiece() throws Exception {
        Random r = new Random(7);
        Map<String, Long> sizes = new LinkedHashMap<>();
        Map<String, byte[]> contents = new LinkedHashMap<>();
        int[] lengths = {0, 1, Crc32c.CHUNK - 1, Crc32c.CHUNK, 2 * Crc32c.CHUNK + 17};
        for (int i = 0; i < lengths.length; i++) {
            byte[] b = new byte[lengths[i]];
            r.nextBytes(b);
            String name = "f" + i + ".img";
            Files.write(dir.resolve(name), b);
            sizes.put(name, (long) b.length);
            contents.put(name, b);
        }
        Map<String, Crc32c.Sum> sums = Crc32c.files(dir, sizes);
        contents.forEach((name, b) -> {
            assertThat(sums.get(name).size()).isEqualTo(b.length);
            assertThat(sums.get(name).crc()).as(name).isEqualTo(crc(b, 0, b.length));
        });
        assertThat(sums.get("f0.img").hex()).isEqualTo("00000000");
        assertThat(Crc32c.filesOnThisThread(dir, sizes)).as("one after another, on the caller's thread").isEqualTo(sums);
    }

    @Test
    void aShorterFileReportsTheBytesItHas() throws Exception {
        Files.write(dir.resolve("short.img"), new byte[10]);
        Crc32c.Sum s = Crc32c.files(dir, Map.of("short.img", 3L * Crc32c.CHUNK)).get("short.img");
        assertThat(s.size()).isEqualTo(10);
        assertThat(s.crc()).isEqualTo(crc(new byte[10], 0, 10));
    }
}
