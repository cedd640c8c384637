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
 * roam checkpoint/restore against bare CRIU on the same process, in the same run.
 *
 * <p>Per size and round: start a job that touches N MB; time roam's checkpoint and restore through the agent's socket
 * (a warm client: what roam itself adds, without a CLI JVM start); then bare {@code criu dump} of the very same (restored)
 * process with the same options roam uses, and bare {@code criu restore -d} of that image. Medians over the rounds.
 * Needs root, CRIU and a built distribution; started by bench/run.
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
                + " rounds (each side's figure: the mean of its median when it ran first and its median when it ran second) after " + warmup + " unreported warm-up rounds of a 10 MB job (the first right after roam up: " + cold
                + "; the last: " + warm + ") and " + cycles + " checkpoint/restore cycles of a small job through roam alone (" + cycled
                + "), bare and roam alternating which goes first; both dumps use --leave-running on the same live"
                + " process and both images are restored one after the other, each copy killed before the next restore. roam's times are measured at its client API (the agent's socket, through the coordinator),"
                + " so they include everything roam adds: the pre-check, mapped-file scan, manifest checksums, state changes"
                + " in ZooKeeper and the gRPC hops; they exclude the CLI's JVM start.\n\n" + table
                + "\nEach round (the same process for both, so a round's two figures compare like with like):\n\n" + bench.roundLines
                + "\nWhere roam's time went (medians of the per-phase lines roam logs; the coordinator's \"agent\" is its call to the agent):\n\n" + phases;
        Files.writeString(out, report);
        System.out.println(report);
    }

    /**
     * Per round, on one live process: a bare {@code criu dump --leave-running} and a roam {@code checkpoint --leave-running}
     * in alternating order; then both images restored one after the other, again in alternating order, each copy
     * killed before the other is restored. Same flags as roam's engine for the bare runs.
     */
    private final List<Double> roamDumps = new ArrayList<>(), roamRestores = new ArrayList<>();
    /** Every round of every size, in the order run: the spread behind the medians. */
    private final StringBuilder roundLines = new StringBuilder();

    private String measure(int mb, int rounds, List<String> jobs) throws Exception {
        List<Double> bareDump = new ArrayList<>(), roamDump = new ArrayList<>(), bareRestore = new ArrayList<>(), roamRestore = new ArrayList<>();
        long imageBytes = 0;
        for (int r = 0; r < rounds; r++) {
            String job = "b" + mb + "r" + r + "x" + Long.toHexString(System.nanoTime() & 0xffff);
            jobs.add(job);
            String py = "import time\nb=bytearray(" + mb + "*1024*1024)\nfor i in range(0,len(b),4096): b[i]=1\n"
                    + "print('ready',flush=True)\nwhile True: time.sleep(0.1)\n";
            cli("run", "--name", job, "--", "python3", "-c", py);
            waitFor(() -> Files.exists(home.spoolDir(JobId.of(job)).resolve("out"))
                    && Files.readString(home.spoolDir(JobId.of(job)).resolve("out")).contains("ready"));
            long pid = JobInfo.parseFrom(Files.readAllBytes(home.jobTableDir(NodeId.of("n1")).resolve(job + ".pb"))).getHostPid();
            Path bare = Files.createTempDirectory("bare");
            boolean bareFirst = r % 2 == 0;
            Done ck = null;
            for (int step = 0; step < 2; step++) {
                if ((step == 0) == bareFirst) {
                    long t0 = System.nanoTime();
                    exec(List.of(criu, "dump", "-t", Long.toString(pid), "-D", bare.toString(), "-v4", "-o", "dump.log",
                            "--file-locks", "--ghost-limit", "64M", "--leave-running"));
                    bareDump.add(ms(t0));
                } else {
                    long t0 = System.nanoTime();
                    ck = call(LocalRequest.newBuilder().setCheckpoint(CheckpointCmd.newBuilder().setJob(job).setLeaveRunning(true)).build());
                    roamDump.add(ms(t0));
                    roamDumps.add(roamDump.getLast());
                }
            }
            imageBytes = ck.getCheckpoints(0).getSizeBytes();
            cli("kill", "--signal", "KILL", job);
            waitExit(job);
            // One restored copy at a time: on this VM a second fresh gigabyte, allocated while another restored
            // copy holds one, took 3-4x as long for bare criu itself (1556 against 459 ms), whichever came second.
            for (int step = 0; step < 2; step++) {
                if ((step == 0) == bareFirst) {
                    long t0 = System.nanoTime();
                    exec(List.of(criu, "restore", "-D", bare.toString(), "-d", "-v4", "-o", "restore.log", "--file-locks",
                            "--pidfile", bare.resolve("pid").toString()));
                    bareRestore.add(ms(t0));
                    long barePid = Long.parseLong(Files.readString(bare.resolve("pid")).strip());
                    Files.delete(bare.resolve("pid"));
                    exec(List.of("kill", "-9", Long.toString(barePid)));
                    waitFor(() -> BenchSupport.gone(barePid));
                } else {
                    long t0 = System.nanoTime();
                    call(LocalRequest.newBuilder().setRestore(RestoreCmd.newBuilder().setCheckpoint(ck.getId())).build());
                    roamRestore.add(ms(t0));
                    roamRestores.add(roamRestore.getLast());
                    cli("kill", "--signal", "KILL", job);
                    waitExit(job);
                }
            }
            exec(List.of("rm", "-rf", bare.toString()));
            cli("rm", job);
        }
        double[] dumps = byPosition(bareDump, roamDump), restores = byPosition(bareRestore, roamRestore);
        double bd = dumps[0], rd = dumps[1], br = restores[0], rr = restores[1];
        var each = new StringBuilder();
        for (int r = 0; r < rounds; r++) {
            each.append(String.format("%s%s %.0f/%.0f, %.0f/%.0f", r == 0 ? "" : " · ", r % 2 == 0 ? "bare first" : "roam first",
                    bareDump.get(r), roamDump.get(r), bareRestore.get(r), roamRestore.get(r)));
        }
        roundLines.append(String.format("- %d MB (bare/roam checkpoint, bare/roam restore, ms): %s%n", mb, each));
        return String.format("| %d MB | %d MB | %.0f ms | %.0f ms | %+.0f ms (%+.0f%%) | %.0f ms | %.0f ms | %+.0f ms (%+.0f%%) |",
                mb, imageBytes >> 20, bd, rd, rd - bd, 100 * (rd - bd) / bd, br, rr, rr - br, 100 * (rr - br) / br);
    }

    /**
     * Bare's and roam's figure, each compared in the same position: on this VM the second of two dumps in a round
     * (a second fresh gigabyte of page cache while the first image holds one) took 0.7–1.7 s longer at 1 GB than
     * the first, whoever ran it, so a plain median over rounds mostly measured which one ran second more often. Here each
     * side's figure is the mean of its median when it ran first and its median when it ran second (rounds alternate),
     * which cancels that effect; with a single round there is only one position per side, and the plain figures stand.
     */
    static double[] byPosition(List<Double> bare, List<Double> roam) {
        if (bare.size() < 2) return new double[] {median(bare), median(roam)};
        List<Double> bareFirst = new ArrayList<>(), bareSecond = new ArrayList<>(), roamFirst = new ArrayList<>(), roamSecond = new ArrayList<>();
        for (int r = 0; r < bare.size(); r++) {
            (r % 2 == 0 ? bareFirst : bareSecond).add(bare.get(r));
            (r % 2 == 0 ? roamSecond : roamFirst).add(roam.get(r));
        }
        return new double[] {(median(bareFirst) + median(bareSecond)) / 2, (median(roamFirst) + median(roamSecond)) / 2};
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
