package io.roam.sim.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * A CSV trace, one process per line: {@code arrival_seconds,cpu_seconds[,memory_mb]}. A first line that does not
 * start with a number is a header; {@code #} starts a comment. Missing memory is drawn from the memory distribution
 * (seeded). Lines with CPU ≤ 0 are skipped.
 */
public final class CsvTrace {
    private CsvTrace() {}

    public static Trace read(Path file, int nodes, int cores, double load, MemorySizes sizes, long seed) {
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed ^ 0x5EEDCAFEL);
        Columns c = new Columns();
        try (BufferedReader in = Files.newBufferedReader(file)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) continue;
                String[] f = line.split("\\s*,\\s*");
                if (lineNo == 1 && !Character.isDigit(f[0].isEmpty() ? 'x' : f[0].charAt(0)) && !f[0].startsWith(".")) continue;
                if (f.length < 2) throw new IllegalArgumentException(file + ":" + lineNo + ": expected arrival,cpu[,memory_mb]");
                try {
                    double cpu = Double.parseDouble(f[1]);
                    if (!(cpu > 0)) continue;
                    long mem = f.length > 2 && !f[2].isEmpty() ? (long) (Double.parseDouble(f[2]) * MemorySizes.MB) : sizes.sample(random);
                    c.add(Double.parseDouble(f[0]), cpu, mem);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(file + ":" + lineNo + ": not a number: " + line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trace " + file + ": " + e.getMessage(), e);
        }
        return c.trace("csv " + file.getFileName(), nodes, cores, load, seed);
    }

    /** Growable columns. */
    static final class Columns {
        double[] time = new double[1024], cpu = new double[1024];
        long[] mem = new long[1024];
        int n;

        void add(double t, double c, long m) {
            if (n == time.length) {
                time = java.util.Arrays.copyOf(time, n * 2);
                cpu = java.util.Arrays.copyOf(cpu, n * 2);
                mem = java.util.Arrays.copyOf(mem, n * 2);
            }
            time[n] = t; cpu[n] = c; mem[n] = m; n++;
        }

        Trace trace(String source, int nodes, int cores, double load, long seed) {
            return new Trace(source, java.util.Arrays.copyOf(time, n), java.util.Arrays.copyOf(cpu, n),
                    java.util.Arrays.copyOf(mem, n), nodes, cores, load, seed);
        }
    }
}
