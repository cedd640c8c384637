package io.roam.bench;

import static io.roam.bench.BenchSupport.criuBinary;
import static io.roam.bench.BenchSupport.median;
import static io.roam.bench.BenchSupport.ms;
import static io.roam.bench.BenchSupport.waitFor;

import io.roam.core.JobId;
import io.roam.core.RoamHome;
import io.roam.proto.Done;
import io.roam.proto.LocalRequest;
import io.roam.proto.MigrateCmd;
import io.roam.proto.NodeInfo;
import io.roam.proto.NodesCmd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * roam's migration n1 → n2 on a 2-node local cluster next to its baselines, in the same run, on identical processes:
 * the raw TCP rate between the two nodes' network namespaces, the bare pipeline (criu dump, tar through TCP, criu
 * restore: {@link BarePipeline}), roam's cold migration and, when asked, its post-copy ({@code --live}). Each process
 * touches N MB of pseudo-random memory (incompressible: the honest worst case) or of text-like bytes (16 letters,
 * about half compressible). roam is timed at its client API (the agent's socket): "freeze" is from the start of the
 * dump until the job runs on n2 (as roam reports it), "total" the whole call (checks included). Started by bench/migrate.
 */
public final class MigrateBench {
    private static final Pattern DUMPED = Pattern.compile("dumped ([\\d.]+) MB in (\\d+) ms");
    private static final Pattern SENT = Pattern.compile("^sent .*\\), ([\\d.]+) MB/s", Pattern.MULTILINE);
    private static final Pattern CODEC = Pattern.compile("codec ([\\w-]+)");
    private static final Pattern TOTAL = Pattern.compile("total (\\d+) ms");
    private static final Pattern FROZEN = Pattern.compile("frozen (\\d+) ms");

    private final Path roamBin;
    private final RoamHome home;
    private final BarePipeline bare;
    private final String ns1, ns2, host2;
    private int seq;

    private MigrateBench(Path roamBin, RoamHome home, BarePipeline bare, String netId, String host2) {
        this.roamBin = roamBin;
        this.home = home;
        this.bare = bare;
        this.ns1 = "roam-" + netId + "-n1";
        this.ns2 = "roam-" + netId + "-n2";
        this.host2 = host2;
    }

    public static void main(String[] args) throws Exception {
        Path roamBin = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int[] sizes = Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray();
        List<String> modes = List.of(args[4].split(","));
        List<String> contents = List.of(args[5].split(","));
        String criu = criuBinary();
        Path homeDir = Files.createTempDirectory("roam-mbench");
        Path work = Files.createTempDirectory("roam-mbench-bare");
        RoamHome home = new RoamHome(homeDir);
        var rows = new StringBuilder();
        String floor = "";
        int warmMoves = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARM_MOVES", "20"));
        String warmed = "";
        try {
            BenchSupport.cli(roamBin, home, "up", "--nodes", "2");
            waitFor(() -> nodes(home).stream().filter(n -> n.getState().equals("up")).count() == 2, 60);
            String host2 = nodes(home).stream().filter(n -> n.getId().equals("n2")).findFirst().orElseThrow().getAddress().split(":")[0];
            String netId = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(homeDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8))).substring(0, 6);
            Path supervise = roamBin.getParent().getParent().resolve("lib/native/roam-supervise");
            var bench = new MigrateBench(roamBin, home, new BarePipeline(criu, supervise, work), netId, host2);
            bench.measure(10, "random", 1, modes, work);   // warm-up (JIT of the agents and the coordinator), not reported
            // then a cluster that has moved jobs for a while: the daemons JIT-compile the migration path only after
            // some dozens of moves (a 10 MB cold move: 1.7 s, 0.74, 0.53, 0.52, 0.42, 0.41 s in a row)
            warmed = bench.warm(warmMoves);
            for (String content : contents) for (int mb : sizes) rows.append(bench.measure(mb, content, rounds, modes, work)).append('\n');
            if (modes.contains("floor")) floor = bench.floor(Math.max(3, rounds), work);
        } finally {
            try {
                BenchSupport.cli(roamBin, home, "down", "--force");
            } finally {
                BenchSupport.exec("rm", "-rf", homeDir.toString(), work.toString());
            }
        }
        String report = "# Migration n1 → n2: roam against the bare pipeline and raw TCP\n\n"
                + "Run " + LocalDateTime.now().withNano(0) + " on " + BenchSupport.machine(criu) + "; a 2-node local cluster (`roam up --nodes 2`:"
                + " each agent in its own network namespace on one bridge); median of " + rounds + " round(s) after one unreported warm-up round"
                + " and " + warmMoves + " cold moves of a small job back and forth (" + warmed + ");"
                + " modes " + String.join(",", modes) + ". Raw TCP: 1 GB of zeros through one plain TCP connection between the two namespaces"
                + " (python3, 1 MiB buffers). Bare: `criu dump` in n1's namespace, `tar` of the image through one plain TCP connection into"
                + " n2's namespace, `criu restore -d` there (same CRIU options as roam), on an identical process started the same way"
                + " (own PID and IPC namespace). roam cold: `roam migrate --mode cold` at the agent's socket (no CLI JVM start): mutual TLS,"
                + " checksums and HMAC verified, ZooKeeper state changes. Freeze: from the start of the dump until the job runs on n2"
                + " (bare: dump + transfer + restore); total: the whole call. Memory: pseudo-random (incompressible) or text-like"
                + " (16 letters, ~50% compressible).\n\n"
                + "| touched | content | image | raw TCP | bare dump | bare transfer | bare total | roam dump | roam transfer | codec"
                + " | roam freeze | roam total | transfer / raw TCP | roam total / bare | post-copy frozen | post-copy total |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n" + rows
                + "\nTargets (issue 3): roam's transfer ≥ 80% of raw TCP; roam's total within 20% of bare (ratio ≤ 1.20).\n" + floor;
        Files.writeString(out, report);
        System.out.println(report);
    }

    private static List<NodeInfo> nodes(RoamHome home) throws java.io.IOException {
        return BenchSupport.call(home, LocalRequest.newBuilder().setNodes(NodesCmd.getDefaultInstance()).build(), l -> {}).getNodesList();
    }

    /** One row: medians over rounds of raw TCP, bare, roam cold and (when asked) post-copy, each round on fresh processes. */
    private String measure(int mb, String content, int rounds, List<String> modes, Path work) throws Exception {
        Map<String, List<Double>> v = new LinkedHashMap<>();
        String codec = "", live = "";
        long image = 0;
        for (int r = 0; r < rounds; r++) {
            if (modes.contains("raw")) add(v, "raw", bare.rawTcp(ns1, ns2, host2, 1L << 30));
            if (modes.contains("bare")) {
                Path dir = work.resolve("bare-" + (++seq));
                long pid = bare.start(ns1, filler(mb, content), dir);
                BarePipeline.Result b = bare.migrate(pid, ns1, ns2, host2, dir);
                add(v, "bareDump", b.dumpMs());
                add(v, "bareMBps", b.mbPerS());
                add(v, "bareTotal", b.totalMs());
                image = b.imageBytes();
                BenchSupport.exec("rm", "-rf", dir.toString());
            }
            if (modes.contains("cold")) {
                var m = roam(mb, content, "cold");
                if (m.refused() != null) throw new IllegalStateException("cold migration failed: " + m.refused());
                add(v, "roamDump", m.dumpMs());
                add(v, "roamMBps", m.mbPerS());
                add(v, "roamFreeze", m.freezeMs());
                add(v, "roamTotal", m.totalMs());
                codec = m.codec();
                if (image == 0) image = m.imageBytes();
            }
            if (modes.contains("live")) {
                var m = roam(mb, content, "live");
                if (m.refused() != null) live = "refused: " + m.refused().replace('|', '/');
                else {
                    add(v, "liveFrozen", m.frozenMs());
                    add(v, "liveTotal", m.totalMs());
                }
            }
        }
        double raw = med(v, "raw"), rm = med(v, "roamMBps"), rt = med(v, "roamTotal"), bt = med(v, "bareTotal");
        String liveCols = live.isEmpty() ? f(med(v, "liveFrozen"), "%.0f ms") + " | " + f(med(v, "liveTotal"), "%.0f ms") : live + " | –";
        return String.format(java.util.Locale.ROOT, "| %d MB | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |",
                mb, content, image == 0 ? "–" : (image >> 20) + " MB", f(raw, "%.0f MB/s"), f(med(v, "bareDump"), "%.0f ms"),
                f(med(v, "bareMBps"), "%.0f MB/s"), f(bt, "%.0f ms"), f(med(v, "roamDump"), "%.0f ms"), f(rm, "%.0f MB/s"),
                codec.isEmpty() ? "–" : codec, f(med(v, "roamFreeze"), "%.0f ms"), f(rt, "%.0f ms"), f(rm / raw, "%.2f"), f(rt / bt, "%.2f"), liveCols);
    }

    /**
     * The floor of any transfer of an image from disk to disk between the two namespaces, next to raw TCP in the same
     * rounds (rotated): a 1 GiB file of random bytes in the page cache, through one plain TCP connection, into a new
     * file on the other side; nothing sealed, checked or compressed, no CRIU beside it.
     */
    private String floor(int rounds, Path work) throws Exception {
        Path src = work.resolve("floor.src"), dst = work.resolve("floor.dst");
        BenchSupport.exec("sh", "-c", "head -c 1073741824 /dev/urandom > '" + src + "' && cat '" + src + "' > /dev/null");
        Map<String, List<Double>> v = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 3; k++) {
                switch ((r + k) % 3) {
                    case 0 -> add(v, "raw", bare.rawTcp(ns1, ns2, host2, 1L << 30));
                    case 1 -> add(v, "copy", bare.fileToFile(ns1, ns2, host2, src, dst, false));
                    default -> add(v, "sendfile", bare.fileToFile(ns1, ns2, host2, src, dst, true));
                }
            }
        }
        Files.deleteIfExists(src);
        double raw = med(v, "raw"), copy = med(v, "copy"), sendfile = med(v, "sendfile");
        return String.format(java.util.Locale.ROOT, "\n## The floor of a disk-to-disk transfer here\n\n"
                + "1 GiB of random bytes from a file in the page cache through one plain TCP connection from n1's namespace into a new"
                + " file in n2's (python3, 1 MiB buffers), nothing sealed, checked or compressed and no CRIU beside it; median of %d"
                + " rounds, rotated with raw TCP's.\n\n| path | MB/s | / raw TCP |\n|---|---|---|\n"
                + "| raw TCP (zeros from memory, discarded) | %.0f | 1.00 |\n"
                + "| file → TCP → file: read into a buffer, send; receive, write | %.0f | %.2f |\n"
                + "| file → TCP → file: sendfile(2); receive, write | %.0f | %.2f |\n\n"
                + "All rounds, MB/s: raw %s; read and send %s; sendfile %s.\n",
                rounds, raw, copy, copy / raw, sendfile, sendfile / raw, all(v.get("raw")), all(v.get("copy")), all(v.get("sendfile")));
    }

    private static String all(List<Double> xs) {
        return String.join(" ", xs.stream().map(x -> String.format(java.util.Locale.ROOT, "%.0f", x)).toList());
    }

    /** {@code n} cold moves of one small job between n1 and n2; the first and last tenth's median move times. */
    private String warm(int n) throws Exception {
        if (n <= 0) return "none";
        String job = "warm" + (++seq);
        BenchSupport.cli(roamBin, home, "run", "--node", "n1", "--name", job, "--", "python3", "-c", filler(1, "random"));
        Path spool = home.spoolDir(JobId.of(job)).resolve("out");
        waitFor(() -> Files.exists(spool) && Files.readString(spool).contains("ready"), 600);
        List<Double> took = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            Done d = BenchSupport.call(home, LocalRequest.newBuilder().setMigrate(MigrateCmd.newBuilder().setJob(job)
                    .setTo(i % 2 == 0 ? "n2" : "n1").setMode("cold")).build(), line -> {});
            if (d.getExitCode() != 0) throw new IllegalStateException("warm-up move failed: " + d.getError());
            took.add(ms(t0));
        }
        BenchSupport.cli(roamBin, home, "kill", "--signal", "KILL", job);
        BenchSupport.waitExit(roamBin, home, job);
        BenchSupport.cli(roamBin, home, "rm", job);
        int tenth = Math.max(1, n / 10);
        return String.format(java.util.Locale.ROOT, "%.0f ms a move in the first %d, %.0f ms in the last",
                BenchSupport.median(took.subList(0, tenth)), tenth, BenchSupport.median(took.subList(n - tenth, n)));
    }

    /** What roam said about one migration. */
    private record Moved(String refused, double dumpMs, double mbPerS, String codec, double freezeMs, double frozenMs, double totalMs,
                         long imageBytes) {}

    /** Starts a job on n1 that touches {@code mb} MB, migrates it to n2 by {@code mode}, kills it. */
    private Moved roam(int mb, String content, String mode) throws Exception {
        String job = "m" + mb + content.charAt(0) + mode.charAt(0) + (++seq);
        BenchSupport.cli(roamBin, home, "run", "--node", "n1", "--name", job, "--", "python3", "-c", filler(mb, content));
        Path spool = home.spoolDir(JobId.of(job)).resolve("out");
        waitFor(() -> Files.exists(spool) && Files.readString(spool).contains("ready"), 600);
        List<String> lines = new ArrayList<>();
        long t0 = System.nanoTime();
        Done d = BenchSupport.call(home, LocalRequest.newBuilder().setMigrate(MigrateCmd.newBuilder().setJob(job).setTo("n2").setMode(mode)).build(),
                lines::add);
        double total = ms(t0);
        BenchSupport.cli(roamBin, home, "kill", "--signal", "KILL", job);
        BenchSupport.waitExit(roamBin, home, job);
        BenchSupport.cli(roamBin, home, "rm", job);
        if (d.getExitCode() != 0) return new Moved(d.getError(), 0, 0, "", 0, 0, 0, 0);
        String all = String.join("\n", lines);
        Matcher dumped = DUMPED.matcher(all);
        boolean hasDump = dumped.find();
        return new Moved(null, hasDump ? Double.parseDouble(dumped.group(2)) : Double.NaN, last(SENT, all), lastText(CODEC, all),
                last(TOTAL, all), last(FROZEN, all), total, hasDump ? (long) (Double.parseDouble(dumped.group(1)) * 1e6) : 0);
    }

    /** A python3 program that touches {@code mb} MB of pseudo-random or text-like bytes, prints "ready", then sleeps. */
    static String filler(int mb, String content) {
        String chunk = content.equals("text") ? "random.randbytes(k).translate(t)" : "random.randbytes(k)";
        return "import random,time\nt=bytes(b'etaoinshrdlu cmw'[x&15] for x in range(256))\nn=" + mb + "<<20\nb=bytearray(n)\nc=64<<20\n"
                + "for i in range(0,n,c):\n k=min(c,n-i)\n b[i:i+k]=" + chunk + "\nprint('ready',flush=True)\nwhile True: time.sleep(0.1)\n";
    }

    private static double last(Pattern p, String text) {
        Matcher m = p.matcher(text);
        double v = Double.NaN;
        while (m.find()) v = Double.parseDouble(m.group(1));
        return v;
    }

    private static String lastText(Pattern p, String text) {
        Matcher m = p.matcher(text);
        String v = "";
        while (m.find()) v = m.group(1);
        return v;
    }

    private static void add(Map<String, List<Double>> v, String key, double x) {
        if (!Double.isNaN(x)) v.computeIfAbsent(key, k -> new ArrayList<>()).add(x);
    }

    private static double med(Map<String, List<Double>> v, String key) { return median(v.getOrDefault(key, List.of())); }

    private static String f(double x, String fmt) { return Double.isNaN(x) ? "–" : String.format(java.util.Locale.ROOT, fmt, x); }
}
