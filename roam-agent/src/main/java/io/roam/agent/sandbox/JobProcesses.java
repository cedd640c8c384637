package io.roam.agent.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Process facts from /proc, and signals through libc kill(2) (FFM). A pid alone is not an identity: pids are
 * reused, so liveness is always checked against the start time (/proc/PID/stat field 22, clock ticks since boot).
 * A zombie (state Z; orphans may stay zombies on hosts whose PID 1 does not reap) counts as dead.
 */
public final class JobProcesses {
    public static final int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGUSR1 = 10, SIGTERM = 15, SIGCONT = 18;

    private static final int ESRCH = 3;
    private static final Path PROC = Path.of("/proc");
    private static final MethodHandle KILL;
    private static final VarHandle ERRNO;

    static {
        Linker linker = Linker.nativeLinker();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        KILL = linker.downcallHandle(linker.defaultLookup().find("kill").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errno);
        ERRNO = Linker.Option.captureStateLayout().varHandle(MemoryLayout.PathElement.groupElement("errno"));
    }

    private JobProcesses() {}

    /** One parsed /proc/PID/stat line: state (field 3), parent (4), start time (22). */
    private record Stat(char state, long ppid, long startTime) {
        boolean zombie() { return state == 'Z' || state == 'X'; }
    }

    /** The process's start time in clock ticks since boot, or empty if there is no such process. */
    public static OptionalLong startTime(long pid) {
        return stat(pid).map(s -> OptionalLong.of(s.startTime())).orElse(OptionalLong.empty());
    }

    /** Whether {@code pid} is the process that started at {@code startTime} and has not exited (zombies are dead). */
    public static boolean alive(long pid, long startTime) {
        return stat(pid).filter(s -> !s.zombie() && s.startTime() == startTime).isPresent();
    }

    /** {@code rootPid} and all its descendants, parents before children; empty if {@code rootPid} does not exist. */
    public static List<Long> tree(long rootPid) {
        Map<Long, List<Long>> children = new HashMap<>();
        boolean rootSeen = false;
        for (long pid : allPids()) {
            Optional<Stat> s = stat(pid);
            if (s.isEmpty()) continue;
            rootSeen |= pid == rootPid;
            children.computeIfAbsent(s.get().ppid(), k -> new ArrayList<>()).add(pid);
        }
        if (!rootSeen) return List.of();
        List<Long> tree = new ArrayList<>();
        ArrayDeque<Long> queue = new ArrayDeque<>(List.of(rootPid));
        while (!queue.isEmpty()) {
            long pid = queue.poll();
            tree.add(pid);
            queue.addAll(children.getOrDefault(pid, List.of()));
        }
        return List.copyOf(tree);
    }

    /** Resident memory of the whole tree below (and including) {@code rootPid}: the sum of VmRSS, in bytes. */
    public static long rssBytes(long rootPid) {
        long kib = 0;
        for (long pid : tree(rootPid)) kib += vmRssKib(pid);
        return kib * 1024;
    }

    /**
     * Sends {@code signal} to process {@code pid} (never to a group: pid must be positive). Returns false if there is
     * no such process (including a zombie that was reaped meanwhile); other failures (EPERM) are thrown.
     */
    public static boolean signal(long pid, int signal) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) throw new IllegalArgumentException("not a single process id: " + pid);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            int rc = (int) KILL.invokeExact(state, (int) pid, signal);
            if (rc == 0) return true;
            int errno = (int) ERRNO.get(state, 0L);
            if (errno == ESRCH) return false;
            throw new IllegalStateException("kill(" + pid + ", " + signal + ") failed with errno " + errno);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("kill(" + pid + ", " + signal + ") could not be called", t);
        }
    }

    private static Optional<Stat> stat(long pid) {
        String line;
        try {
            line = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
        } catch (IOException e) {
            return Optional.empty();   // no such process, or it exited while being read
        }
        // comm (field 2) is in parentheses and may contain spaces or ')': fields 3.. follow the last ')'
        String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
        return Optional.of(new Stat(f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[19])));
    }

    private static long vmRssKib(long pid) {
        try (Stream<String> lines = Files.lines(PROC.resolve(Long.toString(pid)).resolve("status"))) {
            return lines.filter(l -> l.startsWith("VmRSS:"))
                    .mapToLong(l -> Long.parseLong(l.substring(6).trim().split("\\s+")[0]))
                    .findFirst().orElse(0);   // zombies and kernel threads have no VmRSS
        } catch (IOException | UncheckedIOException e) {
            return 0;                         // exited meanwhile
        }
    }

    private static List<Long> allPids() {
        try (Stream<Path> entries = Files.list(PROC)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc", e);
        }
    }
}
