package io.roam.criu;

import io.roam.criu.sys.ProcFs;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finding the criu binary, checking its version, and probing the optional features this machine supports. */
final class CriuBinary {
    static final String MIN_VERSION = "4.2";
    static final String ENV = "ROAM_CRIU";
    private static final List<Path> WELL_KNOWN = List.of(Path.of("/usr/local/sbin/criu"), Path.of("/usr/sbin/criu"));
    private static final Pattern VERSION = Pattern.compile("Version:\\s*(\\S+)");
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(10);
    /** Features roam may use; see {@code criu check --help} for the names. */
    static final List<String> FEATURES = List.of("mem_dirty_track", "uffd", "uffd-noncoop", "tcp_half_closed",
            "network_lock_nftables", "timens", "pidfd_store", "clone3_set_tid", "pagemap_scan", "ipv6_freebind");
    private static final long LAZY_PAGES_PIPE_SIZE = 4L << 20;

    private CriuBinary() {}

    static Path locate(Map<String, String> env) {
        List<Path> candidates = new ArrayList<>();
        String override = env.get(ENV);
        if (override != null && !override.isBlank()) {
            Path p = Path.of(override);
            if (!Files.isExecutable(p)) throw new CriuUnavailableException(ENV + "=" + override + " is not an executable file: point it at criu " + MIN_VERSION + " or newer");
            candidates.add(p);
        }
        candidates.addAll(WELL_KNOWN);
        for (String dir : env.getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty()) candidates.add(Path.of(dir, "criu"));
        }
        List<String> tooOld = new ArrayList<>();
        for (Path p : candidates) {
            if (!Files.isExecutable(p)) continue;
            String v = version(p);
            if (CriuInfo.compareVersions(v, MIN_VERSION) >= 0) return p;
            tooOld.add(p + " is " + v);
        }
        if (!tooOld.isEmpty()) {
            throw new CriuUnavailableException("no CRIU " + MIN_VERSION + " or newer (" + String.join(", ", tooOld)
                    + "): install CRIU >= " + MIN_VERSION + " (older ones cannot dump TCP sockets on kernels >= 6.16) or set " + ENV);
        }
        throw new CriuUnavailableException("criu not found in $" + ENV + ", /usr/local/sbin, /usr/sbin or PATH: install CRIU >= "
                + MIN_VERSION + " or set " + ENV);
    }

    static String version(Path criu) {
        CriuProcess.Query q = CriuProcess.query(criu, QUERY_TIMEOUT, "--version");
        Matcher m = VERSION.matcher(q.output());
        if (q.exitCode() != 0 || !m.find()) {
            throw new CriuUnavailableException(criu + " --version failed (" + q.output().strip().lines().findFirst().orElse("no output")
                    + "): reinstall CRIU");
        }
        return m.group(1);
    }

    static CriuInfo probe(Path criu) {
        String version = version(criu);
        String kernel = ProcFs.readString(Path.of("/proc/sys/kernel/osrelease")).orElse("unknown").strip();
        Set<String> features = new TreeSet<>();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Boolean>> checks = FEATURES.stream()
                    .map(f -> executor.submit(() -> CriuProcess.query(criu, QUERY_TIMEOUT, "check", "--feature", f).exitCode() == 0))
                    .toList();
            for (int i = 0; i < FEATURES.size(); i++) {
                if (checks.get(i).get()) features.add(FEATURES.get(i));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while probing CRIU features", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("probing CRIU features failed", e.getCause());
        }
        if (features.contains("uffd-noncoop") && pipeMaxSize() >= LAZY_PAGES_PIPE_SIZE) features.add(CriuInfo.LAZY_PAGES);
        return new CriuInfo(version, kernel, arch(), features);
    }

    private static long pipeMaxSize() {
        try {
            return Long.parseLong(ProcFs.readString(Path.of("/proc/sys/fs/pipe-max-size")).orElse("0").strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The machine name as uname -m prints it (the JVM says amd64 for x86_64). */
    static String arch() {
        String a = System.getProperty("os.arch");
        return switch (a) {
            case "amd64", "x86_64" -> "x86_64";
            case "arm64", "aarch64" -> "aarch64";
            default -> a;
        };
    }
}
