package io.roam.criu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps CRIU's cache of kernel features ({@code /run/criu.kdat}) where {@code /run} is not a tmpfs.
 *
 * <p>Every criu run first probes the kernel (network namespaces, vDSO, pagemap, ptrace quirks...): 25-45 ms of a
 * 10 MB dump's 40-70 ms on this machine's VM. CRIU caches the result in {@code /run/criu.kdat}, but only writes it
 * on a tmpfs, so that a reboot (perhaps into another kernel) drops it; where {@code /run} lives on disk it probes on
 * every run. Loading the cache does not care where it lives. So, as root and only there, this class has criu write
 * the cache in a private mount namespace whose {@code /run} is a fresh tmpfs ({@code criu check}), copies it to
 * {@code /run/criu.kdat}, and records the boot and the criu binary it belongs to beside it; at the next start after a
 * reboot, or with another criu binary, the record differs and the cache is made again (criu checks its own magic
 * numbers, its build, when it loads the file, and probes on every run when they differ).
 */
public final class KerndatCache {
    private static final Logger log = LoggerFactory.getLogger(KerndatCache.class);
    static final Path RUN = Path.of("/run");
    static final String CACHE = "criu.kdat";
    static final String BOOT_MARK = "criu.kdat.roam-boot";
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(30);

    private KerndatCache() {}

    /** What {@link #ensure} did. */
    public enum Outcome { NOT_NEEDED, CURRENT, WRITTEN, UNAVAILABLE }

    /** Makes sure criu run as root finds a cache of this boot's kernel features; never throws. */
    public static Outcome ensure(Path criu) {
        try {
            if (!isRoot() || isTmpfs(RUN)) return Outcome.NOT_NEEDED;
            String boot = Files.readString(BOOT_ID).strip();
            // the boot and the criu build: criu refuses a cache another build wrote ("Stale /run/criu.kdat") and then
            // probes on every run, so a criu rebuilt or upgraded without a reboot needs a new one too
            String want = boot + "\n" + identity(criu) + "\n";
            Path cache = RUN.resolve(CACHE), mark = RUN.resolve(BOOT_MARK);
            if (Files.isRegularFile(cache) && Files.isRegularFile(mark) && Files.readString(mark).equals(want)) {
                return Outcome.CURRENT;
            }
            Optional<String> why = write(criu, cache);
            if (why.isPresent()) {
                log.info("criu's kernel-feature cache not kept ({}): every criu run probes the kernel first", why.get());
                return Outcome.UNAVAILABLE;
            }
            replace(mark, want.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            log.info("criu's kernel-feature cache written to {} for boot {} (/run is not a tmpfs, so criu would not keep it)", cache, boot);
            return Outcome.WRITTEN;
        } catch (IOException | RuntimeException e) {
            log.info("criu's kernel-feature cache not kept: {}", e.toString());
            return Outcome.UNAVAILABLE;
        }
    }

    /** Has criu write the cache on a private tmpfs {@code /run} and copies it to {@code cache}; the reason when it could not. */
    private static Optional<String> write(Path criu, Path cache) throws IOException {
        Path unshare = List.of(Path.of("/usr/bin/unshare"), Path.of("/bin/unshare")).stream().filter(Files::isExecutable)
                .findFirst().orElse(null);
        if (unshare == null) return Optional.of("no unshare(1)");
        Path tmp = Files.createTempFile(RUN, CACHE + ".roam-", ".new", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            // the mount lives and dies with this private namespace: nothing is left mounted
            String script = "exec 2>/dev/null; mount -t tmpfs -o size=1m,mode=0755 roam-kdat /run && \"$1\" check >/dev/null 2>&1; "
                    + "test -s /run/" + CACHE + " && cat /run/" + CACHE;
            List<String> cmd = List.of(unshare.toString(), "--mount", "--propagation", "private", "sh", "-c", script, "sh", criu.toString());
            CriuProcess.Result r = CriuProcess.run(cmd, tmp, CHECK_TIMEOUT, pid -> {});   // the cache arrives on stdout
            if (r.timedOut()) return Optional.of("criu check did not finish within " + CHECK_TIMEOUT.toSeconds() + " s");
            if (r.exitCode() != 0 || Files.size(tmp) == 0) return Optional.of("criu check wrote no cache (exit " + r.exitCode() + ")");
            Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return Optional.empty();
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The criu binary a cache belongs to: its real path, size and modification time. */
    static String identity(Path criu) throws IOException {
        Path real = criu.toRealPath();
        var a = Files.readAttributes(real, java.nio.file.attribute.BasicFileAttributes.class);
        return "criu " + real + " " + a.size() + " " + a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private static void replace(Path p, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(p.getParent(), p.getFileName() + ".", ".new");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static boolean isRoot() throws IOException { return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0; }

    /** Whether {@code dir} is on a tmpfs (from the mount table: the deepest mount point that contains it). */
    static boolean isTmpfs(Path dir) throws IOException {
        Path real = dir.toRealPath();
        String best = "", type = "";
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = line.split(" ");
            if (f.length < 3) continue;
            String at = f[1].replace("\\040", " ");
            if (real.startsWith(at) && at.length() >= best.length()) {
                best = at;
                type = f[2];
            }
        }
        return type.equals("tmpfs");
    }
}
