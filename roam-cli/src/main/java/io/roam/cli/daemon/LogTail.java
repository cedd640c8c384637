package io.roam.cli.daemon;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** The last lines of a daemon's log, read from its end (logs grow without bound). */
final class LogTail {
    private static final int MAX_BYTES = 64 * 1024;

    private LogTail() {}

    static List<String> lastLines(Path file, int n) {
        try (var f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            int size = (int) Math.min(len, MAX_BYTES);
            byte[] buf = new byte[size];
            f.seek(len - size);
            f.readFully(buf);
            List<String> lines = new String(buf, StandardCharsets.UTF_8).lines().toList();
            if (len > size && !lines.isEmpty()) lines = lines.subList(1, lines.size()); // the first may be cut
            return lines.subList(Math.max(0, lines.size() - n), lines.size());
        } catch (IOException e) {
            return List.of();
        }
    }
}
