package io.roam.bench;

import static io.roam.bench.BenchSupport.criuBinary;
import static io.roam.bench.BenchSupport.exec;
import static io.roam.bench.BenchSupport.median;
import static io.roam.bench.BenchSupport.ms;
import static io.roam.bench.BenchSupport.waitFor;

import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import io.roam.proto.CheckpointCmd;
import io.roam.proto.Done;
import io.roam.proto.JobInfo;
import io.roam.proto.LocalRequest;
import io.roam.proto.RestoreCmd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * roam checkpoint/restore against bare CRIU on the same kind of process, in the same run.
 *
 * <p>Per size: rounds of one side each (see {@link #measure}): a fresh job that touches N MB, dumped and restored
 * either by roam through the agent's socket (a warm client: what roam itself adds, without a CLI JVM start) or by bare
 * {@code criu dump}/{@code criu restore -d} with the options roam uses. Medians per side. Needs root, CRIU and a
 * built distribution; started by bench/run.
 */
public final class CheckpointBench {
    private final Path roamBin;
    private final RoamHome home;
    private final String criu;

    private CheckpointBench(Path roamBin, RoamHome home, String criu) {
        this.roamBin = roamBin;
        this.home = home;
        this.criu = criu;
    }

    public static void main(String[] args) throws Exception {
        Path roamBin = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int[] sizes = args.length > 3 ? Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {10, 200, 1024};
        Path homeDir = Files.createTempDirectory("roam-bench");
        var bench = new CheckpointBench(roamBin, new RoamHome(homeDir), criuBinary());
        var table = new StringBuilder();
        var phases = new StringBuilder();
        int warmup = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP", "10"));
        int cycles = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARM_CYCLES", "200"));
        String cold = "", warm = "", cycled = "";
        table.append("| touched | image | bare dump | roam checkpoint | overhead | bare restore | roam restore | overhead |\n");
        table.append("|---|---|---|---|---|---|---|---|\n");
        try {
            bench.cli("up");
            // warm-up, not in the table: a long-running cluster's daemons have run these paths (and their load reports
            // the same gRPC, TLS and ZooKeeper code) many times; the JIT has compiled them. The first one is reported apart.
            bench.measure(10, warmup, new ArrayList<>());
            cold = String.format("%.0f ms checkpoint, %.0f ms restore", bench.roamDumps.getFirst(), bench.roamRestores.getFirst());
            warm = String.format("%.0f ms checkpoint, %.0f ms restore", bench.roamDumps.getLast(), bench.roamRestores.getLast());
            bench.roundLines.setLength(0);
            // then the daemons of a cluster that has checkpointed for a while: the JIT compiles the checkpoint path's own
            // code (state machine, ZooKeeper writes, the messages) only after a few hundred calls
            if (cycles > 0) cycled = bench.cycle(cycles);
            for (int mb : sizes) {
                List<String> jobs = new ArrayList<>();
                table.append(bench.measure(mb, rounds, jobs)).append('\n');
                phases.append("- ").append(mb).append(" MB: ").append(PhaseLines.medians(bench.home.logDir(), jobs)).append('\n');
            }
        } finally {
            bench.cli("down");
            exec(List.of("rm", "-rf", homeDir.toString()));
        }
        String report = "# Checkpoint/restore: roam against bare CRIU\n\n" + "Run " + LocalDateTime.now().withNano(0) + " on "
                + BenchSupport.machine(bench.criu) + "; " + rounds
                + " rounds per side (medians), one side per round in the order bare, roam, roam, bare, … after " + warmup + " unreported warm-up rounds of a 10 MB job (the first right after roam up: " + cold
                + "; the last: " + warm + ") and " + cycles + " checkpoint/restore cycles of a small job through roam alone (" + cycled
                + "). Each round starts a fresh job, dumps it with --leave-running (bare: criu dump with roam's flags), kills it,"
                + " restores the image, kills the copy and deletes the image, so each dump and restore starts from the same"
                + " history (on this VM the state of free memory swings a dump 3-5x). roam's times are measured at its client API (the agent's socket, through the coordinator),"
                + " so they include everything roam adds: the pre-check, mapped-file scan, manifest checksums, state changes"
                + " in ZooKeeper and the gRPC hops; they exclude the CLI's JVM start.\n\n" + table
                + "\nEach round, in the order run:\n\n" + bench.roundLines
                + "\nWhere roam's time went (medians of the per-phase lines roam logs; the coordinator's \"agent\" is its call to the agent):\n\n" + phases;
        Files.writeString(out, report);
        System.out.println(report);
    }

    /**
     * {@code rounds} rounds per side, one side per round, in the order bare, roam, roam, bare, … (each pair's order
     * reversed, so a drift over the run weighs on both alike). A round: a fresh job that touches {@code mb} MB; the
     * side's dump with {@code --leave-running} (bare: {@code criu dump} with the flags roam's engine uses; roam: a
     * checkpoint through the agent's socket); the job killed; the side's restore of that image; the copy killed; the
     * image deleted. So every dump and every restore starts from the same history: the previous round's image and
     * processes just freed. On this VM the state of free memory swings a dump 3-5x (a second fresh gigabyte of page
     * cache while a first image holds one took 0.7-1.7 s longer than the first, whoever wrote it), so two dumps of
     * one process in a row compared positions more than roam against bare; the earlier design did that.
     */
    private final List<Double> roamDumps = new ArrayList<>(), roamRestores = new ArrayList<>();
    /** Every round of every size, in the order run: the spread behind the medians. */
    private final StringBuilder roundLines = new StringBuilder();

    private String measure(int mb, int rounds, List<String> jobs) throws Exception {
        List<Double> bareDump = new ArrayList<>(), roamDump = new ArrayList<>(), bareRestore = new ArrayList<>(), roamRestore = new ArrayList<>();
        long imageBytes = 0;
        var each = new StringBuilder();
        for (int r = 0; r < 2 * rounds; r++) {
            boolean bare = r % 4 == 0 || r % 4 == 3;
            String job = "b" + mb + "r" + r + "x" + Long.toHexString(System.nanoTime() & 0xffff);
            jobs.add(job);
            String py = "import time\nb=bytearray(" + mb + "*1024*1024)\nfor i in range(0,len(b),4096): b[i]=1\n"
                    + "print('ready',flush=True)\nwhile True: time.sleep(0.1)\n";
            cli("run", "--name", job, "--", "python3", "-c", py);
            waitFor(() -> Files.exists(home.spoolDir(JobId.of(job)).resolve("out"))
                    && Files.readString(home.spoolDir(JobId.of(job)).resolve("out")).contains("ready"));
            long pid = JobInfo.parseFrom(Files.readAllBytes(home.jobTableDir(NodeId.of("n1")).resolve(job + ".pb"))).getHostPid();
            double dump, restore;
            if (bare) {
                Path dir = Files.createTempDirectory("bare");
                long t0 = System.nanoTime();
                exec(List.of(criu, "dump", "-t", Long.toString(pid), "-D", dir.toString(), "-v4", "-o", "dump.log",
                        "--file-locks", "--ghost-limit", "64M", "--leave-running"));
                dump = ms(t0);
                cli("kill", "--signal", "KILL", job);
                waitExit(job);
                t0 = System.nanoTime();
                exec(List.of(criu, "restore", "-D", dir.toString(), "-d", "-v4", "-o", "restore.log", "--file-locks",
                        "--pidfile", dir.resolve("pid").toString()));
                restore = ms(t0);
                long barePid = Long.parseLong(Files.readString(dir.resolve("pid")).strip());
                exec(List.of("kill", "-9", Long.toString(barePid)));
                waitFor(() -> BenchSupport.gone(barePid));
                exec(List.of("rm", "-rf", dir.toString()));
                bareDump.add(dump);
                bareRestore.add(restore);
            } else {
                long t0 = System.nanoTime();
                Done ck = call(LocalRequest.newBuilder().setCheckpoint(CheckpointCmd.newBuilder().setJob(job).setLeaveRunning(true)).build());
                dump = ms(t0);
                imageBytes = ck.getCheckpoints(0).getSizeBytes();
                cli("kill", "--signal", "KILL", job);
                waitExit(job);
                t0 = System.nanoTime();
                call(LocalRequest.newBuilder().setRestore(RestoreCmd.newBuilder().setCheckpoint(ck.getId())).build());
                restore = ms(t0);
                cli("kill", "--signal", "KILL", job);
                waitExit(job);
                roamDump.add(dump);
                roamRestore.add(restore);
                roamDumps.add(dump);
                roamRestores.add(restore);
            }
            cli("rm", job);
            each.append(String.format("%s%s %.0f/%.0f", r == 0 ? "" : " · ", bare ? "bare" : "roam", dump, restore));
        }
        double bd = median(bareDump), rd = median(roamDump), br = median(bareRestore), rr = median(roamRestore);
        roundLines.append(String.format("- %d MB (checkpoint/restore, ms): %s%n", mb, each));
        return String.format("| %d MB | %d MB | %.0f ms | %.0f ms | %+.0f ms (%+.0f%%) | %.0f ms | %.0f ms | %+.0f ms (%+.0f%%) |",
                mb, imageBytes >> 20, bd, rd, rd - bd, 100 * (rd - bd) / bd, br, rr, rr - br, 100 * (rr - br) / br);
    }

    /**
     * {@code n} checkpoint (stopping the job) and restore cycles of one small job, through roam only: the warm-up of a
     * long-running cluster. Returns the first and last tenth's median checkpoint and restore times.
     */
    private String cycle(int n) throws Exception {
        String job = "warm" + Long.toHexString(System.nanoTime() & 0xffff);
        cli("run", "--name", job, "--", "sh", "-c", "echo ready; exec sleep 1000000");
        waitFor(() -> Files.exists(home.spoolDir(JobId.of(job)).resolve("out"))
                && Files.readString(home.spoolDir(JobId.of(job)).resolve("out")).contains("ready"));
        List<Double> ck = new ArrayList<>(), rs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            Done d = call(LocalRequest.newBuilder().setCheckpoint(CheckpointCmd.newBuilder().setJob(job)).build());
            ck.add(ms(t0));
            t0 = System.nanoTime();
            call(LocalRequest.newBuilder().setRestore(RestoreCmd.newBuilder().setCheckpoint(d.getId())).build());
            rs.add(ms(t0));
        }
        cli("kill", "--signal", "KILL", job);
        waitExit(job);
        cli("rm", job);
        int tenth = Math.max(1, n / 10);
        return String.format("checkpoint %.0f ms in the first %d, %.0f ms in the last; restore %.0f and %.0f ms",
                median(ck.subList(0, tenth)), tenth, median(ck.subList(n - tenth, n)), median(rs.subList(0, tenth)), median(rs.subList(n - tenth, n)));
    }

    private Done call(LocalRequest req) throws IOException { return BenchSupport.callOk(home, req); }

    private void cli(String... args) { BenchSupport.cli(roamBin, home, args); }

    private void waitExit(String job) throws IOException, InterruptedException { BenchSupport.waitExit(roamBin, home, job); }
}
