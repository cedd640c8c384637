package io.roam.criu.sys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Read-only views of {@code /proc}. Processes come and go while they are read: every method treats a vanished
 * process or file as absent (empty result) instead of failing.
 */
public final class ProcFs {
    private static final Path PROC = Path.of("/proc");

    private ProcFs() {}

    /** The fields of {@code /proc/PID/stat} that roam needs. {@code startTime} is field 22 (clock ticks after boot). */
    public record Stat(long pid, String comm, char state, long ppid, long pgrp, long session, long startTime) {
        /** A zombie or a dead task: it will never run again. */
        public boolean dead() { return state == 'Z' || state == 'X' || state == 'x'; }

        /** Stopped by a signal ({@code T}) or by a tracer ({@code t}). */
        public boolean stopped() { return state == 'T' || state == 't'; }
    }

    public static Path dir(long pid) { return PROC.resolve(Long.toString(pid)); }

    public static Optional<Stat> stat(long pid) {
        return readString(dir(pid).resolve("stat")).map(s -> parseStat(pid, s));
    }

    /** Parses a /proc/PID/stat (or /proc/PID/task/TID/stat) line. */
    public static Stat parseStat(long pid, String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        String comm = line.substring(open + 1, close);
        // fields after the comm start with field 3 (state)
        String[] f = line.substring(close + 2).trim().split(" ");
        return new Stat(pid, comm, f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[2]),
                Long.parseLong(f[3]), Long.parseLong(f[19]));
    }

    /** True while the process exists and is not a zombie. */
    public static boolean alive(long pid) { return stat(pid).map(s -> !s.dead()).orElse(false); }

    /** {@code /proc/PID/status} as key/value pairs (values trimmed). */
    public static Map<String, String> status(long pid) {
        Map<String, String> out = new LinkedHashMap<>();
        readString(dir(pid).resolve("status")).ifPresent(s -> s.lines().forEach(l -> {
            int c = l.indexOf(':');
            if (c > 0) out.put(l.substring(0, c), l.substring(c + 1).trim());
        }));
        return out;
    }

    /** The direct children of every thread of the process. */
    public static List<Long> children(long pid) {
        Set<Long> out = new LinkedHashSet<>();
        for (Path task : list(dir(pid).resolve("task"))) {
            readString(task.resolve("children")).ifPresent(s -> {
                for (String c : s.trim().split("\\s+")) if (!c.isEmpty()) out.add(Long.parseLong(c));
            });
        }
        return List.copyOf(out);
    }

    /** The namespace link of a process, e.g. {@code pid:[4026532281]}. */
    public static Optional<String> namespace(long pid, String kind) {
        return readLink(dir(pid).resolve("ns").resolve(kind));
    }

    public static Optional<String> namespaceOfSelf(String kind) {
        return readLink(PROC.resolve("self/ns").resolve(kind));
    }

    /** Open descriptors: fd number → link target (e.g. {@code /dev/null}, {@code socket:[123]}). */
    public static Map<Integer, String> fds(long pid) {
        Map<Integer, String> out = new LinkedHashMap<>();
        for (Path fd : list(dir(pid).resolve("fd"))) {
            readLink(fd).ifPresent(target -> out.put(Integer.parseInt(fd.getFileName().toString()), target));
        }
        return out;
    }

    /** {@code /proc/PID/fdinfo/FD} as key/value pairs. */
    public static Map<String, String> fdInfo(long pid, int fd) {
        Map<String, String> out = new LinkedHashMap<>();
        readString(dir(pid).resolve("fdinfo").resolve(Integer.toString(fd))).ifPresent(s -> s.lines().forEach(l -> {
            int c = l.indexOf(':');
            if (c > 0) out.putIfAbsent(l.substring(0, c), l.substring(c + 1).trim());
        }));
        return out;
    }

    public static List<String> lines(Path file) {
        return readString(file).map(s -> s.lines().toList()).orElse(List.of());
    }

    public static Optional<String> readString(Path file) {
        // Not Files.readString: it trusts the size procfs reports (0) and, on /proc/sys files, returns only the first
        // byte ("4" for a pipe-max-size of 4194304). A plain stream read gets the whole value.
        try (var in = Files.newInputStream(file)) {
            return Optional.of(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            // ESRCH and friends: the process went away while we read it
            return Optional.empty();
        }
    }

    public static Optional<String> readLink(Path link) {
        try {
            return Optional.of(Files.readSymbolicLink(link).toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) out.add(p);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            if (Files.exists(dir)) throw new UncheckedIOException("cannot list " + dir, e);
            return List.of();
        }
        return out;
    }
}
