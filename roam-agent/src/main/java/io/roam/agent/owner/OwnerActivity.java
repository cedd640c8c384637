package io.roam.agent.owner;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * Notices the machine's owner, the way HTCondor's startd does: keyboard and mouse (the i8042 controller's interrupt
 * counts in /proc/interrupts, and the access/modify times of /dev/input/event*), and logged-in terminals (utmp's
 * USER_PROCESS entries and their tty's access time, which the tty layer updates on input: what {@code w} shows as
 * IDLE). The coordinator decides what that means (roam-coordinator's OwnerRule); this only measures.
 */
public final class OwnerActivity {
    /** The owner's latest activity: how long ago, and what it was. */
    public record Seen(double idleSeconds, String what) {}

    private static final int UTMP_RECORD = 384, USER_PROCESS = 7, LINE_AT = 8, LINE_LEN = 32;
    private final Path proc, dev, utmp;
    private long lastInterrupts = -1;
    private long lastInterruptChangeMs;

    public OwnerActivity() { this(Path.of("/proc"), Path.of("/dev"), Path.of("/run/utmp")); }

    OwnerActivity(Path proc, Path dev, Path utmp) {
        this.proc = proc;
        this.dev = dev;
        this.utmp = utmp;
    }

    /** The most recent activity seen at {@code nowMs}; empty when the machine has no input device or terminal at all. */
    public Optional<Seen> sample(long nowMs) {
        Seen best = null;
        long irq = i8042Interrupts();
        if (irq >= 0) {
            if (lastInterrupts >= 0 && irq != lastInterrupts) lastInterruptChangeMs = nowMs;
            if (lastInterrupts < 0) lastInterruptChangeMs = Long.MIN_VALUE / 4; // unknown before the first sample: idle
            lastInterrupts = irq;
            if (lastInterruptChangeMs > Long.MIN_VALUE / 4) best = newer(best, new Seen((nowMs - lastInterruptChangeMs) / 1000.0, "keyboard/mouse (i8042)"));
        }
        try (DirectoryStream<Path> inputs = Files.newDirectoryStream(dev.resolve("input"), "event*")) {
            for (Path p : inputs) best = newer(best, touched(p, nowMs, "input " + p));
        } catch (IOException e) {
            // no input devices: a server
        }
        for (String line : userTerminals()) best = newer(best, touched(dev.resolve(line), nowMs, "terminal " + line));
        return Optional.ofNullable(best);
    }

    private static Seen newer(Seen a, Seen b) { return b == null ? a : a == null || b.idleSeconds() < a.idleSeconds() ? b : a; }

    private static Seen touched(Path p, long nowMs, String what) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            long t = Math.max(a.lastAccessTime().toMillis(), a.lastModifiedTime().toMillis());
            return new Seen(Math.max(0, nowMs - t) / 1000.0, what);
        } catch (IOException e) {
            return null;
        }
    }

    private long i8042Interrupts() {
        try {
            long sum = -1;
            for (String line : Files.readAllLines(proc.resolve("interrupts"))) {
                if (!line.contains("i8042")) continue;
                String[] f = line.trim().split("\\s+");
                for (int i = 1; i < f.length && f[i].chars().allMatch(Character::isDigit); i++) sum = Math.max(sum, 0) + Long.parseLong(f[i]);
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The tty lines (e.g. {@code pts/0}) of utmp's logged-in users. */
    java.util.List<String> userTerminals() {
        byte[] raw;
        try {
            raw = Files.readAllBytes(utmp);
        } catch (IOException e) {
            return java.util.List.of();
        }
        var lines = new java.util.ArrayList<String>();
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        for (int at = 0; at + UTMP_RECORD <= raw.length; at += UTMP_RECORD) {
            if (b.getInt(at) != USER_PROCESS) continue;
            int end = at + LINE_AT;
            while (end < at + LINE_AT + LINE_LEN && raw[end] != 0) end++;
            String line = new String(raw, at + LINE_AT, end - at - LINE_AT, StandardCharsets.UTF_8);
            if (!line.isEmpty() && !line.contains("..") && !line.startsWith("/")) lines.add(line);
        }
        return lines;
    }
}
