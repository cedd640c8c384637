package io.roam.bench;

import static io.roam.bench.BenchSupport.exec;
import static io.roam.bench.BenchSupport.gone;
import static io.roam.bench.BenchSupport.ms;
import static io.roam.bench.BenchSupport.waitFor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The baselines a roam migration is compared with, between the network namespaces of two nodes of a local cluster:
 * the bare pipeline ({@code criu dump} in the source's namespace, {@code tar} of the image through one plain TCP
 * connection into the target's namespace, {@code criu restore} there) and the raw TCP rate between the namespaces.
 * The namespaces are entered with {@code nsenter --net} only (no new mount namespace), so the process, CRIU and the
 * relays share the host's file system; the relay is {@code relay.py} (python3, 1 MiB buffers).
 */
final class BarePipeline {
    /** The times of one bare migration. */
    record Result(double dumpMs, double transferMs, double restoreMs, long imageBytes) {
        double totalMs() { return dumpMs + transferMs + restoreMs; }
        double mbPerS() { return imageBytes / 1e6 / (transferMs / 1e3); }
    }

    private final String criu;
    private final Path supervise;
    private final Path relay;
    private final Path work;
    private int port = 47000 + (int) (ProcessHandle.current().pid() % 1000);

    BarePipeline(String criu, Path supervise, Path work) throws IOException {
        this.criu = criu;
        this.supervise = supervise;
        this.work = work;
        this.relay = work.resolve("relay.py");
        try (InputStream in = BarePipeline.class.getResourceAsStream("relay.py")) {
            Files.write(relay, in.readAllBytes());
        }
    }

    private static List<String> in(String netns, String... cmd) {
        var l = new java.util.ArrayList<>(List.of("nsenter", "--net=/run/netns/" + netns));
        l.addAll(List.of(cmd));
        return l;
    }

    /**
     * Starts {@code python} as a job would run (its own PID and IPC namespace, session leader inside, stdio to append-mode
     * files) in {@code netns}; returns the host pid of its namespace init once it printed "ready".
     */
    long start(String netns, String python, Path dir) throws Exception {
        Files.createDirectories(dir);
        Path out = dir.resolve("out");
        var pb = new ProcessBuilder(in(netns, "unshare", "--pid", "--ipc", "--fork", "setsid", "python3", "-c", python))
                .redirectInput(Path.of("/dev/null").toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("err").toFile()));
        Process unshare = pb.start();
        waitFor(() -> Files.exists(out) && Files.readString(out).contains("ready"), 600);
        String children = Files.readString(Path.of("/proc/" + unshare.pid() + "/task/" + unshare.pid() + "/children")).strip();
        return Long.parseLong(children.split(" ")[0]);
    }

    /** Dump in {@code from}, tar through TCP into {@code to}, restore there; the restored process is killed afterwards. */
    Result migrate(long pid, String from, String to, String toHost, Path dir) throws Exception {
        Path src = dir.resolve("src"), dst = dir.resolve("dst");
        Files.createDirectories(src);
        Files.createDirectories(dst);
        long t0 = System.nanoTime();
        exec(in(from, criu, "dump", "-t", Long.toString(pid), "-D", src.toString(), "-v4", "-o", "dump.log",
                "--file-locks", "--ghost-limit", "64M"));
        double dump = ms(t0);
        long bytes = Long.parseLong(exec("du", "-sb", src.toString()).split("\\s")[0]);
        int p = port++;
        long t1 = System.nanoTime();
        Process recv = new ProcessBuilder(in(to, "sh", "-c", "python3 " + relay + " recv " + p + " | tar -C " + dst + " -xf -"))
                .redirectErrorStream(true).start();
        awaitLine(recv.getInputStream(), "listening");
        exec(in(from, "sh", "-c", "tar -C " + src + " -cf - . | python3 " + relay + " send " + toHost + " " + p));
        if (!recv.waitFor(30, TimeUnit.MINUTES) || recv.exitValue() != 0) throw new IllegalStateException("the bare receiver failed");
        double transfer = ms(t1);
        Path done = dir.resolve("restored");
        long t2 = System.nanoTime();
        // Under roam-supervise (a child subreaper): the restored tree is reaped when it is killed, never left a zombie.
        exec(supervise.toString(), "--pidfile", dir.resolve("supervise.pid").toString(), "--exits", dir.resolve("exits").toString(),
                "--log", dir.resolve("supervise.log").toString(), "--", "sh", "-c",
                String.join(" ", in(to, criu, "restore", "-D", dst.toString(), "-d", "-v4", "-o", "restore.log", "--file-locks",
                        "--pidfile", dst.resolve("pid").toString())) + "; echo $? > " + done);
        waitFor(() -> Files.exists(done) && !Files.readString(done).isBlank(), 1800);
        double restore = ms(t2);
        if (!Files.readString(done).strip().equals("0")) throw new IllegalStateException("bare criu restore failed: see " + dst.resolve("restore.log"));
        long restored = Long.parseLong(Files.readString(dst.resolve("pid")).strip());
        exec("kill", "-9", Long.toString(restored));
        waitFor(() -> gone(restored));
        return new Result(dump, transfer, restore, bytes);
    }

    /** MB/s of {@code bytes} zeros through one plain TCP connection from {@code from} to {@code toHost} in {@code to}. */
    double rawTcp(String from, String to, String toHost, long bytes) throws Exception {
        return through(from, to, bytes, "raw TCP", p -> List.of("sink", p), p -> List.of("zero", toHost, p, Long.toString(bytes)));
    }

    /**
     * MB/s of the file {@code src} (in the page cache) through one plain TCP connection from {@code from} into a new
     * file {@code dst} in {@code to}: what a transfer of an image from disk to disk costs without sealing, checking or
     * compressing it. {@code sendfile}: the source sends with sendfile(2), no copy through user space (which no sender
     * that seals the bytes in user space can do); else it reads each MiB into a buffer and sends it.
     */
    double fileToFile(String from, String to, String toHost, Path src, Path dst, boolean sendfile) throws Exception {
        try {
            return through(from, to, Files.size(src), "file to file", p -> List.of("tofile", p, dst.toString()),
                    p -> List.of(sendfile ? "sendfile" : "file", toHost, p, src.toString()));
        } finally {
            Files.deleteIfExists(dst);
        }
    }

    /**
     * MB/s of {@code bytes} from the relay started as {@code source} in {@code from} to the one started as {@code sink}
     * in {@code to} (each given a fresh port), timed from the source's start until the sink has taken every byte.
     */
    private double through(String from, String to, long bytes, String what, Function<String, List<String>> sink,
                           Function<String, List<String>> source) throws Exception {
        String p = Integer.toString(port++);
        Process receiver = new ProcessBuilder(relay(to, sink.apply(p))).start();
        awaitLine(receiver.getErrorStream(), "listening");
        long t0 = System.nanoTime();
        exec(relay(from, source.apply(p)));
        double wall = ms(t0);
        String[] got = new String(receiver.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().split(" ");
        receiver.waitFor(1, TimeUnit.MINUTES);
        if (Long.parseLong(got[0]) != bytes) throw new IllegalStateException(what + ": " + got[0] + " of " + bytes + " bytes arrived");
        return bytes / 1e6 / (wall / 1e3);
    }

    /** {@code relay.py ARGS} in network namespace {@code netns}. */
    private List<String> relay(String netns, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("python3", relay.toString()));
        cmd.addAll(args);
        return in(netns, cmd.toArray(String[]::new));
    }

    /** Reads {@code in} up to the end of its first line, which must contain {@code line}. */
    private static void awaitLine(InputStream in, String line) {
        try {
            var b = new StringBuilder();
            for (int c; (c = in.read()) >= 0 && c != '\n'; ) b.append((char) c);
            if (!b.toString().contains(line)) throw new IllegalStateException("the relay did not start: " + b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
