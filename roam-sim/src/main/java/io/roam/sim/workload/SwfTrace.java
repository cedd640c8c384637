package io.roam.sim.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * A trace in the Standard Workload Format (Feitelson's Parallel Workloads Archive): whitespace-separated fields, lines
 * starting with {@code ;} are header comments. Used fields (1-based): 2 submit time, 4 run time, 5 allocated
 * processors (8 requested processors if 5 is missing), 7 used memory in KB per processor (10 requested memory if 7 is
 * missing). Each job becomes ONE process with CPU seconds = run time × processors (roam moves processes, not gangs;
 * a 64-way job becomes one long process), and memory = KB per processor × processors (drawn from the memory
 * distribution when the trace has neither). Jobs with run time or processors ≤ 0 (cancelled, failed) are skipped.
 */
public final class SwfTrace {
    private SwfTrace() {}

    public static Trace read(Path file, int nodes, int cores, double load, MemorySizes sizes, long seed) {
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed ^ 0x5EEDCAFEL);
        CsvTrace.Columns c = new CsvTrace.Columns();
        try (BufferedReader in = Files.newBufferedReader(file)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                line = line.strip();
                if (line.isEmpty() || line.startsWith(";")) continue;
                String[] f = line.split("\\s+");
                if (f.length < 5) throw new IllegalArgumentException(file + ":" + lineNo + ": an SWF record has 18 fields, found " + f.length);
                try {
                    double submit = Double.parseDouble(f[1]);
                    double run = Double.parseDouble(f[3]);
                    long procs = Long.parseLong(f[4]);
                    if (procs <= 0 && f.length > 7) procs = Long.parseLong(f[7]);
                    if (!(run > 0) || procs <= 0) continue;
                    long kb = f.length > 6 ? (long) Double.parseDouble(f[6]) : -1;
                    if (kb <= 0 && f.length > 9) kb = (long) Double.parseDouble(f[9]);
                    long mem = kb > 0 ? kb * 1024 * procs : sizes.sample(random);
                    c.add(submit, run * procs, mem);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(file + ":" + lineNo + ": not a number in: " + line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trace " + file + ": " + e.getMessage(), e);
        }
        return c.trace("swf " + file.getFileName(), nodes, cores, load, seed);
    }
}
