package io.roam.agent.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU used by each job's whole process tree, from one scan of /proc per sample: user + system time of every process
 * below the job's init, plus what its reaped children used. Also the rate since the previous sample (cores used), which
 * tells a CPU-bound job from a sleeping one. One instance per agent, called from its report loop only.
 */
public final class JobUsage {
    /** Clock ticks per second (USER_HZ): 100 on every Linux architecture roam runs on. */
    static final double TICKS = 100.0;
    /** A job that used at least this share of a core since the last sample counts as runnable. */
    public static final double RUNNABLE_RATE = 0.1;

    /** A job's CPU so far, and the cores it used since the previous sample (0 on its first). */
    public record Usage(double cpuSeconds, double rate) {
        public boolean runnable() { return rate >= RUNNABLE_RATE; }
    }

    private record Proc(long ppid, long ticks) {}

    private record Last(double cpuSeconds, long atNanos) {}

    private final Path proc;
    private final Map<String, Last> last = new HashMap<>();

    public JobUsage() { this(Path.of("/proc")); }

    JobUsage(Path proc) { this.proc = proc; }

    /** Samples every job in {@code roots} (job id → host PID of its init) at {@code nowNanos}. */
    public Map<String, Usage> sample(Map<String, Long> roots, long nowNanos) {
        Map<Long, Proc> procs = scan();
        Map<Long, List<Long>> children = new HashMap<>();
        procs.forEach((pid, p) -> children.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(pid));
        Map<String, Usage> out = new HashMap<>();
        roots.forEach((job, root) -> {
            if (!procs.containsKey(root)) return;
            long ticks = 0;
            ArrayDeque<Long> queue = new ArrayDeque<>(List.of(root));
            while (!queue.isEmpty()) {
                long pid = queue.poll();
                Proc p = procs.get(pid);
                if (p != null) ticks += p.ticks();
                queue.addAll(children.getOrDefault(pid, List.of()));
            }
            double cpu = ticks / TICKS;
            Last before = last.get(job);
            double rate = before == null || nowNanos <= before.atNanos() ? 0
                    : Math.max(0, cpu - before.cpuSeconds()) / ((nowNanos - before.atNanos()) / 1e9);
            last.put(job, new Last(cpu, nowNanos));
            out.put(job, new Usage(cpu, rate));
        });
        last.keySet().retainAll(roots.keySet());
        return out;
    }

    private Map<Long, Proc> scan() {
        Map<Long, Proc> procs = new HashMap<>();
        try (Stream<Path> entries = Files.list(proc)) {
            for (Path dir : (Iterable<Path>) entries::iterator) {
                String name = dir.getFileName().toString();
                if (name.isEmpty() || !name.chars().allMatch(Character::isDigit)) continue;
                String line;
                try {
                    line = Files.readString(dir.resolve("stat"));
                } catch (IOException e) {
                    continue; // exited while we looked
                }
                Proc p = parse(line);
                if (p != null) procs.put(Long.parseLong(name), p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + proc, e);
        }
        return procs;
    }

    /** Fields after comm: state ppid … utime(14) stime(15) cutime(16) cstime(17), numbered as in proc(5). */
    static Proc parse(String statLine) {
        int close = statLine.lastIndexOf(')');
        if (close < 0 || close + 2 >= statLine.length()) return null;
        String[] f = statLine.substring(close + 2).trim().split(" ");
        if (f.length < 15) return null;
        try {
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
            return new Proc(Long.parseLong(f[1]), ticks);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
