package io.roam.agent.owner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Owner signals from a /proc, /dev and utmp laid out in a temp dir. */
class OwnerActivityTest {
    @TempDir Path root;
    private Path proc, dev, utmp;
    private static final long NOW = 1_800_000_000_000L;

    @BeforeEach void layout() throws IOException {
        proc = Files.createDirectories(root.resolve("proc"));
        dev = Files.createDirectories(root.resolve("dev"));
        utmp = root.resolve("utmp");
    }

    private void interrupts(long keyboard, long mouse) throws IOException {
        Files.writeString(proc.resolve("interrupts"), "           CPU0       CPU1\n"
                + "   1:  " + keyboard + "   0   IO-APIC    1-edge      i8042\n"
                + "  12:  " + mouse + "   0   IO-APIC   12-edge      i8042\n"
                + "  24:  99999  0   PCI-MSI  virtio0-input.0\n");
    }

    private static void touch(Path p, long ms) throws IOException {
        if (!Files.exists(p)) Files.createFile(p);
        Files.setLastModifiedTime(p, FileTime.fromMillis(ms));
        Files.setAttribute(p, "lastAccessTime", FileTime.fromMillis(ms));
    }

    private void users(String... lines) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(384 * (lines.length + 1)).order(ByteOrder.nativeOrder());
        b.putInt(0, 2); // BOOT_TIME: not a user
        for (int i = 0; i < lines.length; i++) {
            int at = 384 * (i + 1);
            b.putInt(at, 7); // USER_PROCESS
            byte[] line = lines[i].getBytes(StandardCharsets.UTF_8);
            for (int k = 0; k < line.length; k++) b.put(at + 8 + k, line[k]);
        }
        Files.write(utmp, b.array());
    }

    @Test
    void aServerWithNoInputAndNoLoginShowsNoOwner() throws IOException {
        Files.writeString(proc.resolve("interrupts"), "           CPU0\n  24:  5  PCI-MSI  virtio0\n");
        assertThat(new OwnerActivity(proc, dev, utmp).sample(NOW)).isEmpty();
    }

    @Test
    void theMostRecentTerminalOrInputDeviceWins() throws IOException {
        Files.createDirectories(dev.resolve("pts"));
        Files.createDirectories(dev.resolve("input"));
        touch(dev.resolve("pts/0"), NOW - 600_000);
        touch(dev.resolve("pts/3"), NOW - 42_000);
        touch(dev.resolve("tty9"), NOW - 1_000);     // nobody logged in on it: ignored
        touch(dev.resolve("input/event0"), NOW - 3_600_000);
        users("pts/0", "pts/3");
        var owner = new OwnerActivity(proc, dev, utmp);
        assertThat(owner.userTerminals()).containsExactly("pts/0", "pts/3");
        var seen = owner.sample(NOW).orElseThrow();
        assertThat(seen.idleSeconds()).isCloseTo(42, within(0.01));
        assertThat(seen.what()).isEqualTo("terminal pts/3");
    }

    @Test
    void keyboardInterruptsCountAsActivityFromTheSecondSampleOn() throws IOException {
        interrupts(100, 50);
        var owner = new OwnerActivity(proc, dev, utmp);
        assertThat(owner.sample(NOW)).as("no change seen yet").isEmpty();
        assertThat(owner.sample(NOW + 1_000)).isEmpty();
        interrupts(101, 50);
        var seen = owner.sample(NOW + 2_000).orElseThrow();
        assertThat(seen.idleSeconds()).isZero();
        assertThat(seen.what()).contains("i8042");
        assertThat(owner.sample(NOW + 32_000).orElseThrow().idleSeconds()).isCloseTo(30, within(0.01));
    }
}
