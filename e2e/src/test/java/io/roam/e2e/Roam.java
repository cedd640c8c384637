package io.roam.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A roam installation for one test class: the real bin/roam, a private ROAM_HOME in a temp directory, `roam up` at the
 * start and, at the end, every job killed, `roam down`, and a sweep for anything that still refers to the home.
 */
final class Roam implements AutoCloseable {
    record Result(int exit, String out, String err) {
        Result ok() {
            assertThat(exit).as("exit code; stderr: %s; stdout: %s", err, out).isZero();
            return this;
        }

        String line() { return out.strip(); }
    }

    private final Path dist;
    final Path home;

    Roam(Path home) {
        this.dist = Path.of(System.getProperty("roam.dist", "../dist/target/roam")).toAbsolutePath().normalize();
        this.home = home;
        assertThat(dist.resolve("bin/roam")).as("built distribution (run the build first)").isExecutable();
    }

    static Roam up(Path home) {
        Roam r = new Roam(home);
        r.run("up").ok();
        return r;
    }

    /** The id a local cluster derives from its ROAM_HOME: its bridge is rm&lt;id&gt;, node nK's namespace roam-&lt;id&gt;-nK. */
    String localId() {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(home.toAbsolutePath().normalize().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until nodes n1…nN are all listed by {@code roam nodes} and none is down. */
    void awaitNodesUp(int n, Duration limit) {
        eventually(limit, n + " nodes up", () -> {
            String nodes = run("nodes").out();
            for (int k = 1; k <= n; k++) if (!nodes.contains("n" + k + " ")) return false;
            return !nodes.contains("down");
        });
    }

    /** The network namespace of a local cluster's node. */
    String netns(String node) { return "roam-" + localId() + "-" + node; }

    Result run(String... args) { return runIn(home.getParent(), Map.of(), args); }

    Result runIn(Path cwd, Map<String, String> env, String... args) { return runIn(List.of(), cwd, env, args); }

    /** The coordinator JVMs of this home. */
    List<ProcessHandle> coordinators() { return daemons("\0coordinator\0"); }

    /**
     * Kills (SIGKILL) this home's one coordinator while {@code migrate}, a {@code roam migrate --live} writing its
     * progress to {@code progress}, is in its page phase, waits for that CLI to end, and checks that it did not see
     * the page phase end.
     */
    void killCoordinatorInPagePhase(Process migrate, Path progress) throws InterruptedException, IOException {
        try {
            List<ProcessHandle> c = coordinators();
            assertThat(c).hasSize(1);
            assertThat(c.getFirst().destroyForcibly()).isTrue();
            assertThat(migrate.waitFor(90, TimeUnit.SECONDS)).isTrue();
        } finally {
            migrate.destroyForcibly();
        }
        assertThat(Files.readString(progress)).as("the page phase outlived its coordinator").doesNotContain("all pages arrived");
    }

    /** The JVMs of this cluster's agent for {@code node}. */
    List<ProcessHandle> agents(String node) { return daemons("\0agent\0", "\0--node\0" + node + "\0"); }

    /** This home's JVMs whose command line holds every one of {@code parts}. */
    private List<ProcessHandle> daemons(String... parts) {
        String h = home.toString();
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                String cmd = cmdline(p);
                String env = new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ")), java.nio.charset.StandardCharsets.UTF_8);
                return cmd.contains("java") && java.util.Arrays.stream(parts).allMatch(cmd::contains)
                        && (cmd.contains(h) || env.contains("ROAM_HOME=" + h));
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }).toList();
    }

    private static String cmdline(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";   // gone meanwhile
        }
    }

    /** Makes {@code dir} and the root-owned directories above it (but /tmp) traversable, so other users reach a cwd and a home there. */
    static void traversable(Path dir) throws IOException {
        for (Path p = dir; p != null && !p.equals(p.getRoot()); p = p.getParent()) {
            if (Files.getOwner(p).getName().equals("root") && !p.equals(Path.of("/tmp"))) {
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    /** As user {@code uid}:{@code gid} (no supplementary groups), from {@code cwd}, which that user must reach. */
    Result runAs(int uid, int gid, Path cwd, String... args) {
        return runIn(List.of("setpriv", "--reuid", Integer.toString(uid), "--regid", Integer.toString(gid), "--clear-groups"), cwd, Map.of(), args);
    }

    private Result runIn(List<String> prefix, Path cwd, Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(dist.resolve("bin/roam").toString());
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().put("ROAM_HOME", home.toString());
        pb.environment().putAll(env);
        try {
            Path out = Files.createTempFile("roam-out", ".txt");
            Path err = Files.createTempFile("roam-err", ".txt");
            try {
                Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                if (!p.waitFor(5, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new AssertionError("roam " + String.join(" ", args) + " did not finish in 5 minutes");
                }
                return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Live processes (not zombies) whose stdout is the job's spool file: the job's process tree, on whatever node. */
    int processesOf(String job) {
        Path out = spool(job).resolve("out");
        int n = 0;
        for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
            try {
                Path proc = Path.of("/proc", Long.toString(p.pid()));
                String stat = Files.readString(proc.resolve("stat"));
                if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) continue;
                if (Files.readSymbolicLink(proc.resolve("fd/1")).equals(out) && stat.contains("(sh)")) n++;
            } catch (IOException | RuntimeException e) {
                // gone, or not ours to read
            }
        }
        return n;
    }

    /** The node `roam ps -a` shows for the job, or "" when it is not listed. */
    String nodeOf(String job) {
        for (String line : run("ps", "-a").ok().out().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 2 && f[0].equals(job)) return f[1];
        }
        return "";
    }

    static long rssKb(ProcessHandle p) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** Runs a host command (ip, nft, …) and returns its output, stdout and stderr together; killed after {@code timeout}. */
    static String command(Duration timeout, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) p.destroyForcibly();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    String state(String job) {
        return psRows(run("ps", "-a").ok().out()).stream().filter(r -> r.get("ID").equals(job)).findFirst()
                .map(r -> r.get("STATE").replaceAll("\\(.*", "")).orElse("ABSENT");
    }

    /**
     * The rows of a `roam ps` table, by column header (ADDRESS appears only when a --net job is listed). Columns before
     * COMMAND hold no spaces.
     */
    static List<Map<String, String>> psRows(String table) {
        String[] lines = table.split("\n");
        List<Map<String, String>> rows = new ArrayList<>();
        if (lines.length == 0 || !lines[0].startsWith("ID")) return rows;
        String[] header = lines[0].trim().split("\\s+");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+", header.length);
            if (f.length < header.length - 1) continue;
            Map<String, String> row = new java.util.HashMap<>();
            for (int c = 0; c < f.length; c++) row.put(header[c], f[c]);
            rows.add(row);
        }
        return rows;
    }

    String logs(String job) { return run("logs", job).ok().out(); }

    Path spool(String job) { return home.resolve("spool").resolve(job); }

    /** The job's stdout read straight from its spool file (works while roam is down). */
    String logs0(String job) {
        try {
            return Files.readString(spool(job).resolve("out"));
        } catch (IOException e) {
            return "";
        }
    }

    static void eventually(Duration timeout, String what, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** The numbers a counting job printed, in order. */
    static List<Long> numbers(String text) {
        List<Long> n = new ArrayList<>();
        for (String line : text.split("\n")) {
            String t = line.trim();
            if (t.matches("[0-9]+")) n.add(Long.parseLong(t));
        }
        return n;
    }

    /** Asserts a counter went on where it was: strictly consecutive numbers, no restart from the beginning. */
    static void assertCountsOn(List<Long> n, long atLeast) {
        assertThat(n.size()).as("numbers printed").isGreaterThanOrEqualTo((int) atLeast);
        for (int i = 1; i < n.size(); i++) {
            assertThat(n.get(i)).as("number %d of %s", i, n).isEqualTo(n.get(i - 1) + 1);
        }
    }

    @Override
    public void close() {
        try {
            killRunning();
        } finally {
            run("down");
            sweep();
            deleteTree(home);
        }
    }

    /** Sends SIGKILL to every job still running (or checkpointing); returns their ids. */
    List<String> killRunning() {
        List<String> killed = new ArrayList<>();
        for (Map<String, String> row : psRows(run("ps", "-a").out())) {
            String state = row.getOrDefault("STATE", "");
            if (state.equals("RUNNING") || state.equals("CHECKPOINTING")) {
                run("kill", "--signal", "KILL", row.get("ID"));
                killed.add(row.get("ID"));
            }
        }
        return killed;
    }

    /** Kills whatever still runs from this home (a failed test must not leave processes behind). */
    private void sweep() {
        String marker = home.toString();
        for (int round = 0; round < 50; round++) {
            List<ProcessHandle> left = ProcessHandle.allProcesses().filter(p -> refersTo(p, marker)).toList();
            if (left.isEmpty()) return;
            left.forEach(ProcessHandle::destroyForcibly);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static boolean refersTo(ProcessHandle p, String marker) {
        if (p.pid() == ProcessHandle.current().pid()) return false;
        try {
            Path proc = Path.of("/proc", Long.toString(p.pid()));
            String stat = Files.readString(proc.resolve("stat"));
            if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) return false;
            String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
            String environ = new String(Files.readAllBytes(proc.resolve("environ")), StandardCharsets.UTF_8);
            return cmdline.contains(marker) || environ.contains("ROAM_HOME=" + marker);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
