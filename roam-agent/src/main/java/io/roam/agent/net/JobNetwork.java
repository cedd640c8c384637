package io.roam.agent.net;

import io.roam.core.net.JobNetPlan;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link JobNetPlan} on this node. The agent runs in its node's network namespace, inside the mount namespace
 * of {@code ip netns exec}: a namespace named there is visible to the agent, its jobs and the CRIU it runs, which is
 * all that needs it, and only while a job is launched or restored into it ({@link #unname}); the job's processes hold
 * the namespace afterwards, so it goes away with them, with its veth pair and its route.
 */
public final class JobNetwork {
    private static final Logger log = LoggerFactory.getLogger(JobNetwork.class);
    private static final long TIMEOUT_MS = 10_000;
    private final String ip;
    /** iputils' arping, or null when it is not installed (then nothing is announced, with one warning). */
    private final String arping;
    private final AtomicBoolean warnedNoArping = new AtomicBoolean();

    public JobNetwork() { this(locate("ip"), locate("arping")); }

    JobNetwork(String ip, String arping) {
        this.ip = ip;
        this.arping = Files.isExecutable(Path.of(arping)) ? arping : null;
    }

    /** A namespace set up for a job: its name is valid until {@link #unname}. */
    public record Prepared(JobNetPlan plan, Path namespace) {}

    /**
     * Makes the job's namespace with its address, joined to this node by a veth pair whose node end stays down until
     * {@link #activate}. What an earlier holder of the address left on this node (a veth pair of a namespace still
     * being torn down) is removed first.
     *
     * @throws IllegalStateException with ip's message when a step fails (what was made is removed again)
     */
    public Prepared prepare(String address) {
        JobNetPlan plan = new JobNetPlan(address);
        long t0 = System.nanoTime();
        release(plan);
        try {
            batch(List.of(), plan.nodeSide());
            sysctls(plan);
            batch(List.of("-n", plan.namespace()), plan.jobSide());
        } catch (RuntimeException e) {
            release(plan);
            throw e;
        }
        log.info("job address {} prepared on this node ({} ms): namespace {}, veth {}", address,
                (System.nanoTime() - t0) / 1_000_000, plan.namespace(), plan.nodeVeth());
        return new Prepared(plan, Path.of(plan.namespacePath()));
    }

    /**
     * Routes the address to the prepared namespace ({@link JobNetPlan#activate}): before a launch, or after a restore.
     *
     * @throws IllegalStateException with ip's message
     */
    public void activate(Prepared p) {
        long t0 = System.nanoTime();
        batch(List.of(), p.plan().activate());
        log.info("job address {} routed to this node ({} ms)", p.plan().address(), (System.nanoTime() - t0) / 1_000_000);
        announce(p.plan());
    }

    /**
     * Takes the address off this node's routes, keeping the job's namespace and veth pair ({@link JobNetPlan#deactivate}):
     * the source's side of a post-copy move, once the job is frozen there.
     *
     * @throws IllegalStateException with ip's message
     */
    public void deactivate(String address) {
        JobNetPlan plan = new JobNetPlan(address);
        batch(List.of(), plan.deactivate());
        log.info("job address {} no longer routed to this node (the job is frozen here)", address);
    }

    /**
     * Routes the address to the namespace the job is still in ({@link JobNetPlan#activate}): a post-copy move given
     * up on the source.
     *
     * @throws IllegalStateException with ip's message
     */
    public void reactivate(String address) {
        JobNetPlan plan = new JobNetPlan(address);
        batch(List.of(), plan.activate());
        log.info("job address {} routed to this node again", address);
        announce(plan);
    }

    /**
     * Tells the neighbours on this node's uplinks that the address is here now, in the background (the job runs
     * meanwhile): a gratuitous ARP ({@link JobNetPlan#announce}). Without it, a peer keeps sending to the node the job
     * left for as long as its TCP traffic confirms that stale entry (the old node forwards it on), or, if that node is
     * gone, until the entry is re-probed. A failure costs only that, so it is logged, never thrown.
     */
    private void announce(JobNetPlan plan) {
        if (arping == null) {
            if (warnedNoArping.compareAndSet(false, true)) {
                log.warn("arping is not installed (iputils-arping): neighbours learn that a job's address moved only when they re-probe it");
            }
            return;
        }
        Thread.ofVirtual().name("announce-" + plan.address()).start(() -> {
            try {
                List<String> uplinks = plan.uplinks(output(plan.coveringRoutes()));
                if (uplinks.isEmpty()) {
                    log.info("job address {}: no uplink to announce it on", plan.address());
                    return;
                }
                write(Path.of("/proc/sys", JobNetPlan.NONLOCAL_BIND), "1");
                for (String dev : uplinks) {
                    var cmd = new ArrayList<String>();
                    cmd.add(arping);
                    cmd.addAll(plan.announce(dev));
                    var r = exec(cmd, null, "iputils-arping");
                    if (r.exit != 0) log.warn("gratuitous ARP for {} on {} failed: {}", plan.address(), dev, r.err.strip());
                    else log.info("job address {} announced on {} (gratuitous ARP)", plan.address(), dev);
                }
            } catch (RuntimeException e) {
                log.warn("cannot announce job address {}: {}", plan.address(), e.getMessage());
            }
        });
    }

    /** Forgets the namespace's name: the job's processes hold the namespace from now on. */
    public void unname(Prepared p) {
        var r = run(p.plan().unname());
        if (r.exit != 0) log.warn("cannot forget network namespace {}: {}", p.plan().namespace(), r.err.strip());
    }

    /** Removes the address's plumbing from this node (the name, and the veth pair with its route), if any. */
    public void release(String address) { release(new JobNetPlan(address)); }

    private void release(JobNetPlan plan) {
        if (Files.exists(Path.of(plan.namespacePath()))) run(plan.unname());
        if (run(List.of("link", "show", "dev", plan.nodeVeth())).exit == 0) {
            var r = run(plan.unplumb());
            if (r.exit != 0 && run(List.of("link", "show", "dev", plan.nodeVeth())).exit == 0) {
                log.warn("cannot remove {}: {}", plan.nodeVeth(), r.err.strip());
            }
        }
    }

    /** Forwarding and proxy ARP in this node's namespace, without the default 0.8 s proxy delay. */
    private static void sysctls(JobNetPlan plan) {
        for (String key : plan.nodeSysctls()) write(Path.of("/proc/sys", key), "1");
        try (DirectoryStream<Path> devs = Files.newDirectoryStream(Path.of("/proc/sys/net/ipv4/neigh"))) {
            for (Path dev : devs) {
                Path delay = dev.resolve("proxy_delay");
                if (Files.exists(delay)) write(delay, "0");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc/sys/net/ipv4/neigh", e);
        }
    }

    private static void write(Path p, String v) {
        try {
            if (!Files.readString(p, StandardCharsets.US_ASCII).strip().equals(v)) Files.writeString(p, v, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set " + p + " to " + v + ": " + e.getMessage(), e);
        }
    }

    /** One {@code ip [global] -batch -} for all the steps: one process instead of one per step. */
    private void batch(List<String> global, List<List<String>> steps) {
        var args = new ArrayList<>(global);
        args.addAll(List.of("-batch", "-"));
        var input = new StringBuilder();
        for (List<String> step : steps) input.append(String.join(" ", step)).append('\n');
        var r = run(args, input.toString());
        if (r.exit != 0) {
            throw new IllegalStateException("'ip " + String.join(" ", global) + "' failed: "
                    + r.err.strip().lines().findFirst().orElse("exit " + r.exit));
        }
    }

    private record Result(int exit, String out, String err) {}

    private Result run(List<String> args) { return run(args, null); }

    private Result run(List<String> args, String stdin) {
        var cmd = new ArrayList<String>();
        cmd.add(ip);
        cmd.addAll(args);
        return exec(cmd, stdin, "iproute2");
    }

    /** What {@code ip ARGS} prints. @throws IllegalStateException when it fails */
    private String output(List<String> args) {
        var r = run(args);
        if (r.exit != 0) throw new IllegalStateException("'ip " + String.join(" ", args) + "' failed: " + r.err.strip());
        return r.out;
    }

    /** Runs {@code cmd}; {@code pkg}: the Debian package that provides it, named when it cannot be started. */
    private static Result exec(List<String> cmd, String stdin, String pkg) {
        try {
            var pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.PIPE);
            if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p = pb.start();
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            // stderr on a thread of its own: a child that fills one pipe while we read the other would hang both
            var err = new CompletableFuture<byte[]>();
            Thread.ofVirtual().start(() -> {
                try {
                    err.complete(p.getErrorStream().readAllBytes());
                } catch (IOException e) {
                    err.complete(new byte[0]);
                }
            });
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("'" + String.join(" ", cmd) + "' did not finish within " + TIMEOUT_MS / 1000 + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd.getFirst() + " (install " + pkg + "): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", cmd), e);
        }
    }

    /** The binary in /usr/sbin, /sbin, /usr/bin or /bin. */
    public static String locate(String name) {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, name))) return dir + "/" + name;
        }
        return name;
    }
}
