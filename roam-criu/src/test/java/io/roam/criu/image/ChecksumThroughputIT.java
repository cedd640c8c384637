package io.roam.criu.image;

import io.roam.criu.CriuInfo;
import io.roam.proto.JobSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Writes and verifies the manifest of a 1 GiB image and prints the checksum rate (page cache warm). */
class ChecksumThroughputIT {
    private static final long GIB = 1L << 30;
    @TempDir Path dir;

    @Test
    void oneGibImage() throws Exception {
        Random r = new Random(3);
        ByteBuffer block = ByteBuffer.allocateDirect(4 << 20);
        byte[] b = new byte[block.capacity()];
        try (FileChannel ch = FileChannel.open(dir.resolve("pages-1.img"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long written = 0; written < GIB; written += b.length) {
                r.nextBytes(b);
                block.clear().put(b).flip();
                while (block.hasRemaining()) ch.write(block);
            }
        }
        for (int i = 1; i <= 40; i++) java.nio.file.Files.write(dir.resolve("core-" + i + ".img"), new byte[4096 + i]);
        CriuInfo info = new CriuInfo("4.2.1", "6.18", "x86_64", Set.of());
        byte[] key = "k".getBytes();
        ManifestInputs in = new ManifestInputs("big.1", "big", "c", "n", JobSpec.getDefaultInstance(), false, 0, List.of(), info, key);
        ImageManifests.write(dir, in); // warm-up (JIT)

        long t0 = System.nanoTime();
        ImageManifests.write(dir, in);
        double writeS = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        Verification v = ImageChecks.verify(dir, "c", key, info);
        double verifyS = (System.nanoTime() - t0) / 1e9;

        assertThat(v).isInstanceOf(Verified.class);
        double mb = (GIB + 40 * 4096) / 1e6;
        System.out.printf("checksum throughput, %d cores: write %.0f ms (%.0f MB/s), verify %.0f ms (%.0f MB/s)%n",
                Runtime.getRuntime().availableProcessors(), writeS * 1000, mb / writeS, verifyS * 1000, mb / verifyS);
        assertThat(verifyS).as("verify of 1 GiB, seconds").isLessThan(1.0);
    }
}
