package io.roam.agent.live;

import io.roam.agent.checkpoint.CheckpointSteps;
import io.roam.agent.checkpoint.NetArgs;
import io.roam.agent.jobs.JobTable;
import io.roam.agent.net.JobNetwork;
import io.roam.agent.sandbox.JobProcesses;
import io.roam.agent.transfer.PageRelay;
import io.roam.agent.transfer.TransferService;
import io.roam.core.CheckpointId;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import io.roam.criu.CriuInfo;
import io.roam.criu.DumpNetworkRelease;
import io.roam.criu.LazyPages;
import io.roam.criu.image.ImageManifests;
import io.roam.criu.image.ManifestInputs;
import io.roam.criu.image.MappedFiles;
import io.roam.criu.image.SealFollower;
import io.roam.proto.AgentRestoreReply;
import io.roam.proto.AgentRestoreRequest;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.JobInfo;
import io.roam.proto.LiveAbortReply;
import io.roam.proto.LiveDumpReply;
import io.roam.proto.LiveDumpRequest;
import io.roam.proto.LivePagesReply;
import io.roam.proto.LiveRestoreRequest;
import io.roam.proto.Manifest;
import io.roam.proto.MappedFile;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of post-copy. Source: the lazy dump, then the job stays marked busy (the exit watcher leaves it
 * alone) while criu serves its pages; {@link #abort} gives it back before the target resumed it; {@link #pages}
 * waits for criu to finish and makes sure the source copy never runs on once the target has the job. Target: the
 * lazy-pages daemon plus {@code criu restore --lazy-pages}; if the daemon fails before every page arrived, the
 * restored tree is killed at once (its missing pages would read as zeros) and dropped from the job table.
 */
public final class LiveSteps {
    private static final Logger log = LoggerFactory.getLogger(LiveSteps.class);
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(30);
    /** criu restore --lazy-pages reads no pages; seen hanging after a failed restore, so bounded (then killed, rolled back). */
    private static final Duration LAZY_RESTORE_TIMEOUT = Duration.ofSeconds(30);

    /** Who carries the pages of root's jobs: criu's own TLS page server (default) or, with {@code all}, the agents. */
    static final String RELAY_ENV = "ROAM_PAGE_RELAY";

    private final LazyPages lazy;
    private final CheckpointSteps checkpoints;
    private final JobTable table;
    private final RoamHome home;
    private final NodeId node;
    private final byte[] secret;
    private final CriuInfo criu;
    private final LazyPages.Tls tls;
    private final JobNetwork network;
    private final TransferService transfer;
    private final boolean relayAll = "all".equals(System.getenv(RELAY_ENV));
    private final PagePhases phases;

    public LiveSteps(LazyPages lazy, CheckpointSteps checkpoints, JobTable table, RoamHome home, NodeId node, byte[] secret, CriuInfo criu,
                     Path pemDir, JobNetwork network, TransferService transfer) {
        this.lazy = lazy;
        this.transfer = transfer;
        this.network = network;
        this.checkpoints = checkpoints;
        this.table = table;
        this.home = home;
        this.node = node;
        this.secret = secret;
        this.criu = criu;
        this.phases = new PagePhases(table, home, node, network, transfer.pageRelay());
        this.tls = new LazyPages.Tls(pemDir.resolve("ca.pem"), pemDir.resolve("cert.pem"), pemDir.resolve("key.pem"));
    }

    public LiveDumpReply dump(LiveDumpRequest req) {
        String job = req.getJob().getId();
        JobInfo held = table.get(job).orElse(null);
        if (held == null) return dumpError("job " + job + " has no process on node " + node);
        if (!JobProcesses.alive(held.getHostPid(), held.getHostPidStart())) return dumpError("job " + job + " has already exited");
        if (!table.markBusy(job)) return dumpError("job " + job + " is busy with another checkpoint or restore");
        boolean serving = false;
        CheckpointId id = CheckpointId.parse(req.getCheckpointId());
        Path dir = home.imageDir(node, id);
        SealFollower seal = null;
        try {
            if (Files.exists(dir)) return dumpError("image directory " + dir + " already exists");
            Files.createDirectories(dir);
            List<MappedFile> mapped = MappedFiles.collect(held.getHostPid());
            // a user's job: its criu runs as the user, who must not read the node's key, so the agents carry the pages
            boolean relayed = relayAll || held.getSpec().getUid() != 0;
            int port = relayed ? transfer.dataPort() : freePort();
            if (relayed && port < 0) return dumpError("this agent's bulk socket does not listen: it cannot relay the pages of job " + job);
            PageRelay.Local local = relayed ? transfer.pageRelay().open() : null;
            if (relayed) transfer.pageRelay().serve(job, local);
            long resident = JobProcesses.rssBytes(held.getHostPid());   // what the pages will make up on the target
            long frozenAt = System.nanoTime();
            // the small images are checksummed while criu writes them: the seal then reads only what came last
            seal = SealFollower.start(dir);
            var started = relayed
                    ? lazy.dump(held.getHostPid(), dir, new LazyPages.PsSocket(local.port(), local.token()), NetArgs.dump(held), READY_TIMEOUT)
                    : lazy.dump(held.getHostPid(), dir, port, tls, NetArgs.dump(held), READY_TIMEOUT);
            switch (started) {
                case LazyPages.DumpStart.Failed(var f) -> {
                    if (relayed) transfer.pageRelay().cancel(job);
                    seal.close();
                    CheckpointSteps.deleteTree(dir);
                    log.warn("live dump of job {} failed ({}): {}", job, f.kind(), f.reason());
                    return dumpError(f.reason());
                }
                case LazyPages.DumpStart.Serving(LazyPages.Running running, Duration took) -> {
                    serving = true;
                    phases.start(new PagePhases.Session(held, running, true, dir, local));
                    // a job with its own address: the peers' packets must find the target, not this frozen copy
                    if (!held.getNetAddress().isEmpty()) network.deactivate(held.getNetAddress());
                    long tSeal = System.nanoTime();
                    Manifest m = ImageManifests.write(dir, new ManifestInputs(id.value(), job, req.getClusterId(), node.value(),
                            held.getSpec(), false, took.toMillis(), mapped, criu, secret), ImageManifests.Durability.CACHED, seal);
                    long sealMs = ms(tSeal);
                    long bytes = size(dir);
                    long frozenMs = ms(frozenAt);
                    log.info("job {} dumped live as {} ({} bytes): criu ready {} ms, seal {} ms, frozen {} ms so far", job, id, bytes,
                            took.toMillis(), sealMs, frozenMs);
                    return LiveDumpReply.newBuilder().setOk(true).setPagePort(port).setPageRelay(relayed).setCriuMs(took.toMillis())
                            .setFrozenMs(frozenMs).setResidentBytes(resident)
                            .setCheckpoint(CheckpointInfo.newBuilder().setId(id.value()).setJob(job).setNode(node.value())
                                    .setCreatedMs(m.getCreatedMs()).setSizeBytes(bytes).setPath(dir.toString())
                                    .setCriuVersion(m.getCriuVersion()).setKernel(m.getKernel()).setDumpMs(took.toMillis())
                                    .setUid(held.getSpec().getUid())).build();
                }
            }
        } catch (IOException | RuntimeException e) {
            if (seal != null) seal.close();
            transfer.pageRelay().cancel(job);
            PagePhases.Session s = phases.remove(job);
            if (s != null) giveBack(s);   // criu lets go of the tree: it runs on
            serving = false;
            CheckpointSteps.deleteTree(dir);
            return dumpError("the live dump failed: " + e.getMessage());
        } finally {
            if (!serving) table.clearBusy(job);
        }
    }

    /** Source, before the target resumed the job: stop serving pages; criu leaves the tree running (same pid). */
    public LiveAbortReply abort(String job) {
        PagePhases.Session s = phases.remove(job);
        JobInfo held = table.get(job).orElse(null);
        try {
            if (s != null) giveBack(s);
        } finally {
            table.clearBusy(job);
        }
        if (held == null || !JobProcesses.alive(held.getHostPid(), held.getHostPidStart())) {
            return LiveAbortReply.newBuilder().setOk(false).setError("job " + job + " no longer runs on " + node).build();
        }
        log.info("live migration of job {} aborted: it runs on here as pid {}", job, held.getHostPid());
        return LiveAbortReply.newBuilder().setOk(true).setHostPid(held.getHostPid()).setHostPidStart(held.getHostPidStart()).build();
    }

    /**
     * Kills the source's criu, which lets go of the frozen tree: it runs on with the same pid. A job with its own
     * address first gets its route and its connections back: a killed criu leaves the tree's sockets in TCP repair
     * mode (and its nftables lock, where it made one).
     */
    private void giveBack(PagePhases.Session s) {
        JobInfo job = s.job();
        transfer.pageRelay().cancel(job.getId());
        if (job.getNetAddress().isEmpty()) {
            s.criu().kill();
            return;
        }
        // while criu still holds the tree frozen: the tasks run the moment criu dies (it stops them with ptrace, not
        // with a group stop), and a task that meets its socket still in repair mode gets EPERM from recv. The route
        // first: taking a socket out of repair sends a window probe to the peer.
        try {
            network.reactivate(job.getNetAddress());
        } catch (RuntimeException e) {
            log.warn("job {}: cannot route its address {} here again: {}", job.getId(), job.getNetAddress(), e.getMessage());
        }
        try {
            DumpNetworkRelease.release(job.getHostPid(), s.dir().resolve(LazyPages.DUMP_LOG));
        } catch (RuntimeException e) {
            log.warn("job {}: cannot take its connections out of TCP repair: {}", job.getId(), e.getMessage());
        }
        s.criu().kill();
    }

    /** Target: verify the small images, start the lazy-pages daemon against the source, restore at once. */
    public AgentRestoreReply restore(LiveRestoreRequest req) {
        String job = req.getJob().getId();
        LazyPages.Running[] daemon = new LazyPages.Running[1];
        AgentRestoreRequest r = AgentRestoreRequest.newBuilder().setJob(req.getJob()).setCheckpoint(req.getCheckpoint())
                .setClusterId(req.getClusterId()).build();
        java.util.concurrent.atomic.AtomicBoolean restoring = new java.util.concurrent.atomic.AtomicBoolean(true);
        long t0 = System.nanoTime();
        long[] daemonMs = {-1};
        AgentRestoreReply reply = checkpoints.restore(r, dir -> {
            long tDaemon = System.nanoTime();
            if (req.getPageRelay()) {
                PageRelay.Local local = transfer.pageRelay().open();
                transfer.pageRelay().fetch(req.getPageHost(), req.getPagePort(), job, local);
                daemon[0] = lazy.pageClient(dir, new LazyPages.PsSocket(local.port(), local.token()), LISTEN_TIMEOUT);
            } else {
                daemon[0] = lazy.pageClient(dir, req.getPageHost(), req.getPagePort(), tls, LISTEN_TIMEOUT);
            }
            daemonMs[0] = ms(tDaemon);
            daemon[0].exit().thenAccept(code -> {
                if (code != 0 && restoring.get()) LazyPages.killRestoresOf(dir);
            });
            return LazyPages.restoreArgs();
        }, LAZY_RESTORE_TIMEOUT);
        restoring.set(false);
        if (!reply.getOk()) {
            if (daemon[0] != null) daemon[0].kill();
            return reply;
        }
        JobInfo restored = table.get(job).orElseThrow();
        // until every page has arrived the job is not the exit watcher's: a failed daemon's wrapper kills the copy
        // (its missing pages would read as zeros), and that is a lost migration, not an exit of the job
        table.markBusy(job);
        phases.start(new PagePhases.Session(restored, daemon[0], false, Path.of(req.getCheckpoint().getPath()), null));
        log.info("job {} resumed lazily as pid {}: lazy-pages daemon listening after {} ms, {} ms in all", job, reply.getHostPid(),
                daemonMs[0], ms(t0));
        daemon[0].exit().thenAccept(code -> {
            if (code != 0) phases.dropTarget(job, restored, code);
            table.clearBusy(job);
        });
        return reply;
    }

    /** Blocks until the page transfer of {@code job} is over on this node: {@link PagePhases#pages}. */
    public LivePagesReply pages(String job) { return phases.pages(job); }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static long size(Path dir) {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    private static long ms(long t0) { return (System.nanoTime() - t0) / 1_000_000; }

    private static LiveDumpReply dumpError(String reason) { return LiveDumpReply.newBuilder().setOk(false).setError(reason).build(); }
}
