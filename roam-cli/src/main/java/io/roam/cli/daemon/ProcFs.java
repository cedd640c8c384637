package io.roam.cli.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What /proc says about a process. A zombie (state Z) or a dead task (X) counts as gone. */
final class ProcFs {
    private ProcFs() {}

    static boolean alive(long pid) {
        if (pid <= 0) return false;
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // pid (comm) S ...: comm may hold spaces and parentheses, the state follows the last ')'
            int close = stat.lastIndexOf(')');
            if (close < 0 || close + 2 >= stat.length()) return false;
            char state = stat.charAt(close + 2);
            return state != 'Z' && state != 'X' && state != 'x';
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return false; // the process went away while we read
        }
    }

    /** argv of {@code pid}; empty when it is gone (or a kernel thread). */
    static List<String> cmdline(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            var args = new ArrayList<String>();
            int start = 0;
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] == 0) {
                    args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            if (start < raw.length) args.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
            return args;
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The direct children of {@code pid}, whichever of its threads forked them. */
    static List<Long> children(long pid) {
        var out = new ArrayList<Long>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                String s;
                try {
                    s = Files.readString(task.resolve("children")).strip();
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                if (s.isEmpty()) continue;
                for (String c : s.split("\\s+")) out.add(Long.parseLong(c));
            }
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
        return out;
    }
}
