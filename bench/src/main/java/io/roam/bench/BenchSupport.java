package io.roam.bench;

import io.roam.core.RoamHome;
import io.roam.proto.Done;
import io.roam.proto.LocalReply;
import io.roam.proto.LocalRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Helpers shared by the macro benchmarks: host commands, the roam CLI and agent socket, CRIU's path, statistics. */
public final class BenchSupport {
    private BenchSupport() {}

    /** Runs a command (with {@code home} as ROAM_HOME when not null); its output, or an exception when it fails. */
    static String exec(List<String> cmd, RoamHome home) {
        try {
            var pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            if (home != null) pb.environment().put("ROAM_HOME", home.root().toString());
            Process p = pb.start();
            String text = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IllegalStateException(cmd + " failed: " + text);
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String exec(List<String> cmd) { return exec(cmd, null); }

    static String exec(String... cmd) { return exec(List.of(cmd), null); }

    /** The roam CLI with this home. */
    static String cli(Path roamBin, RoamHome home, String... args) {
        List<String> cmd = new ArrayList<>(List.of(roamBin.toString()));
        cmd.addAll(List.of(args));
        return exec(cmd, home);
    }

    /** roam wait, whose exit code is the job's (137 after a KILL). */
    static void waitExit(Path roamBin, RoamHome home, String job) throws IOException, InterruptedException {
        var pb = new ProcessBuilder(roamBin.toString(), "wait", job).redirectErrorStream(true);
        pb.environment().put("ROAM_HOME", home.root().toString());
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        p.waitFor(2, TimeUnit.MINUTES);
    }

    /** One request on the agent's socket (a warm client: no CLI JVM start); progress lines go to {@code progress}. */
    static Done call(RoamHome home, LocalRequest req, Consumer<String> progress) throws IOException {
        try (var ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(home.agentSocket()));
            var out = Channels.newOutputStream(ch);
            req.writeDelimitedTo(out);
            out.flush();
            var in = Channels.newInputStream(ch);
            while (true) {
                LocalReply r = LocalReply.parseDelimitedFrom(in);
                if (r == null) throw new IOException("agent closed the connection");
                if (r.hasProgress()) progress.accept(r.getProgress());
                if (r.hasDone()) return r.getDone();
            }
        }
    }

    /** Like {@link #call(RoamHome, LocalRequest, Consumer)}, failing unless the command succeeded. */
    static Done callOk(RoamHome home, LocalRequest req) throws IOException {
        Done d = call(home, req, line -> {});
        if (d.getExitCode() != 0) throw new IllegalStateException(req.getCmdCase() + ": " + d.getError());
        return d;
    }

    static String criuBinary() {
        for (String c : List.of(System.getenv().getOrDefault("ROAM_CRIU", ""), "/usr/local/sbin/criu", "/usr/sbin/criu")) {
            if (!c.isEmpty() && Files.isExecutable(Path.of(c))) return c;
        }
        return "criu";
    }

    /** The machine, for the report's first line. */
    static String machine(String criu) {
        return Runtime.getRuntime().availableProcessors() + " cores, " + exec("uname", "-r").strip() + ", "
                + exec(criu, "--version").lines().findFirst().orElse("") + pageReporting();
    }

    /** Whether the VM hands freed memory back to its host meanwhile (see bench/quiet-memory), or "" without it. */
    static String pageReporting() {
        Path order = Path.of("/sys/module/page_reporting/parameters/page_reporting_order");
        try {
            String o = Files.readString(order).strip();
            String touched = System.getenv().getOrDefault("BENCH_PRETOUCHED", "");
            return Integer.parseInt(o) > 10
                    ? ", free page reporting paused (order " + o + ")" + (touched.isEmpty() ? "" : ", " + touched)
                    : ", free page reporting on (order " + o + ")";
        } catch (IOException | NumberFormatException e) {
            return "";
        }
    }

    interface Check { boolean ok() throws IOException; }

    static void waitFor(Check c) throws Exception { waitFor(c, 120); }

    static void waitFor(Check c, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!c.ok()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("timed out");
            Thread.sleep(50);
        }
    }

    static double ms(long t0) { return (System.nanoTime() - t0) / 1e6; }

    /** The process has exited (gone, or a zombie: its memory is freed); it may vanish between any two reads of /proc. */
    static boolean gone(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }

    public static double median(List<Double> v) {
        if (v.isEmpty()) return Double.NaN;
        var s = v.stream().sorted().toList();
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }
}
