package io.roam.agent.checkpoint;

import io.roam.agent.jobs.JobTable;
import io.roam.agent.net.JobNetwork;
import io.roam.agent.sandbox.JobProcesses;
import io.roam.core.CheckpointId;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import io.roam.criu.CheckpointEngine;
import io.roam.criu.DumpFailed;
import io.roam.criu.DumpOutcome;
import io.roam.criu.Dumped;
import io.roam.criu.DumpSpec;
import io.roam.criu.FailureKind;
import io.roam.criu.RestoreFailed;
import io.roam.criu.RestoreGate;
import io.roam.criu.RestoreOutcome;
import io.roam.criu.Restored;
import io.roam.criu.RestoreSpec;
import io.roam.criu.image.FileStamps;
import io.roam.criu.image.ImageChecks;
import io.roam.criu.image.ImageManifests;
import io.roam.criu.image.ManifestInputs;
import io.roam.criu.image.MappedFiles;
import io.roam.criu.image.Rejected;
import io.roam.criu.image.SealFollower;
import io.roam.criu.image.Verification;
import io.roam.criu.image.Verified;
import io.roam.criu.inspect.JobInspector;
import io.roam.proto.AgentRestoreReply;
import io.roam.proto.AgentRestoreRequest;
import io.roam.proto.CheckReport;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.DumpJobReply;
import io.roam.proto.DumpJobRequest;
import io.roam.proto.JobInfo;
import io.roam.proto.Manifest;
import io.roam.proto.MappedFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of checkpoint and restore: check before freezing, dump, seal the image with a manifest; verify the
 * manifest before CRIU ever reads an image. One operation per job at a time (JobTable busy marks).
 */
public final class CheckpointSteps {
    private static final Logger log = LoggerFactory.getLogger(CheckpointSteps.class);
    private static final Duration CRIU_TIMEOUT = Duration.ofMinutes(20);

    private final CheckpointEngine engine;
    private final JobTable table;
    private final RoamHome home;
    private final NodeId node;
    private final byte[] secret;

    private final JobNetwork network;
    private final PendingSeals seals;

    public CheckpointSteps(CheckpointEngine engine, JobTable table, RoamHome home, NodeId node, byte[] secret, JobNetwork network) {
        this(engine, table, home, node, secret, network, new PendingSeals());
    }

    public CheckpointSteps(CheckpointEngine engine, JobTable table, RoamHome home, NodeId node, byte[] secret, JobNetwork network,
                           PendingSeals seals) {
        this.seals = seals;
        this.network = network;
        this.engine = engine;
        this.table = table;
        this.home = home;
        this.node = node;
        this.secret = secret;
    }

    public DumpJobReply dump(DumpJobRequest req) {
        long tIn = System.nanoTime();
        String job = req.getJob().getId();
        JobInfo held = table.get(job).orElse(null);
        if (held == null) return dumpError("io", "job " + job + " has no process on node " + node, "");
        if (!JobProcesses.alive(held.getHostPid(), held.getHostPidStart())) {
            return dumpError("refused", "job " + job + " has already exited: nothing to checkpoint", "");
        }
        long tCheck = System.nanoTime();
        // the mapped-file scan (stat and ELF build-ids) reads /proc like the check: run both at once
        CompletableFuture<List<MappedFile>> mappedSoon = CompletableFuture.supplyAsync(() -> MappedFiles.collect(held.getHostPid()),
                r -> Thread.ofVirtual().name("maps-" + job).start(r));
        CheckReport check = JobInspector.inspect(held.getHostPid(), home.spoolDir(JobId.of(job)));
        long checkMs = (System.nanoTime() - tCheck) / 1_000_000;
        if (!check.getMigratable()) {
            return dumpError("refused", "job " + job + " cannot be checkpointed: " + String.join("; ", check.getReasonsList()), "");
        }
        if (!table.markBusy(job)) return dumpError("refused", "job " + job + " is busy with another checkpoint or restore", "");
        CheckpointId id = CheckpointId.parse(req.getCheckpointId());
        Path dir = home.imageDir(node, id);
        try {
            if (Files.exists(dir)) return dumpError("io", "image directory " + dir + " already exists", "");
            Files.createDirectories(dir);
            long tMaps = System.nanoTime();
            List<MappedFile> mapped = joined(mappedSoon);
            long mapsMs = (System.nanoTime() - tMaps) / 1_000_000;
            long t0 = System.nanoTime();
            // A plain checkpoint is sealed after the answer (PendingSeals): nothing reads the image beside CRIU. Others
            // (sleep, which syncs before it answers; a migration, whose transfer follows the dump) take the checksums
            // while CRIU writes, so that the seal then reads only the last few pages.
            boolean sealAfter = req.getSealAfterReply() && !req.getDurable();
            SealFollower seal = sealAfter ? null : SealFollower.start(dir);
            DumpOutcome outcome;
            try {
                outcome = engine.dump(new DumpSpec(held.getHostPid(), dir, req.getLeaveRunning(), CRIU_TIMEOUT, NetArgs.dump(held)));
            } catch (RuntimeException e) {
                if (seal != null) seal.close();
                throw e;
            }
            return switch (outcome) {
                case Dumped d -> {
                    long dumpMs = (System.nanoTime() - t0) / 1_000_000;
                    long tSeal = System.nanoTime();
                    var inputs = new ManifestInputs(id.value(), job, req.getClusterId(), node.value(),
                            held.getSpec(), req.getLeaveRunning(), dumpMs, mapped, engine.info(), secret);
                    long createdMs;
                    // sized before the seal starts: its manifest.pb.tmp comes and goes under a directory walk
                    long criuBytes = size(dir);
                    if (sealAfter) {
                        // stamped before the answer: the seal then refuses a file that changed in between
                        FileStamps dumped = FileStamps.of(dir);
                        seals.start(dir, () -> ImageManifests.writeOnThisThread(dir, inputs, dumped),
                                () -> log.warn("checkpoint {} has no seal: restoring it will be refused", id));
                        createdMs = System.currentTimeMillis();
                    } else {
                        createdMs = ImageManifests.write(dir, inputs,
                                req.getDurable() ? ImageManifests.Durability.SYNCED : ImageManifests.Durability.CACHED, seal).getCreatedMs();
                    }
                    long sealMs = (System.nanoTime() - tSeal) / 1_000_000;
                    long tGone = System.nanoTime();
                    if (!req.getLeaveRunning()) {
                        awaitGone(held);
                        table.remove(job);
                        // the namespace died with the tree; its route goes now, so a restore elsewhere takes the address
                        if (!held.getNetAddress().isEmpty()) network.release(held.getNetAddress());
                    }
                    long bytes = sealAfter ? criuBytes : size(dir);
                    log.info("job {} checkpointed as {} ({} bytes): check {} ms, maps {} ms more, criu {} ms, seal {} ms{}, exit {} ms, in all {} ms",
                            job, id, bytes, checkMs, mapsMs, dumpMs, sealMs, sealAfter ? " (the checksums follow the answer)" : "", (System.nanoTime() - tGone) / 1_000_000, (System.nanoTime() - tIn) / 1_000_000);
                    yield DumpJobReply.newBuilder().setOk(true).setCheckpoint(CheckpointInfo.newBuilder().setId(id.value())
                            .setJob(job).setNode(node.value()).setCreatedMs(createdMs).setSizeBytes(bytes)
                            .setPath(dir.toString()).setLeaveRunning(req.getLeaveRunning()).setCriuVersion(engine.info().version())
                            .setKernel(engine.info().kernel()).setDumpMs(dumpMs).setUid(held.getSpec().getUid())).build();
                }
                case DumpFailed f -> {
                    if (seal != null) seal.close();
                    deleteTree(dir);
                    boolean alive = JobProcesses.alive(held.getHostPid(), held.getHostPidStart());
                    log.warn("checkpoint of job {} failed ({}; process {}): {}", job, f.kind(), alive ? "alive" : "gone", f.reason());
                    yield dumpError(f.kind().name().toLowerCase(), f.reason(), f.logTail());
                }
            };
        } catch (IOException e) {
            deleteTree(dir);
            return dumpError("io", "cannot write the image: " + e.getMessage(), "");
        } finally {
            table.clearBusy(job);
        }
    }

    /** Runs once the image is verified, just before criu restore: starts what the restore needs, returns criu's extra options. */
    @FunctionalInterface
    public interface BeforeRestore {
        List<String> prepare(Path imageDir) throws IOException;
    }

    public AgentRestoreReply restore(AgentRestoreRequest req) { return restore(req, dir -> List.of()); }

    /** Waits until the image in {@code dir} is sealed, if its seal still runs (see {@link PendingSeals}). */
    public void awaitSeal(Path dir) { seals.await(dir); }

    /** Like {@link #restore(AgentRestoreRequest)}, with {@code before} run between the verification and criu (post-copy). */
    public AgentRestoreReply restore(AgentRestoreRequest req, BeforeRestore before) { return restore(req, before, CRIU_TIMEOUT); }

    /** With criu's deadline: a lazy restore reads no pages and is bounded tighter (a failed one can hang in criu). */
    public AgentRestoreReply restore(AgentRestoreRequest req, BeforeRestore before, Duration timeout) {
        long tIn = System.nanoTime();
        JobInfo job = req.getJob();
        Path dir = Path.of(req.getCheckpoint().getPath());
        long tVerify = System.nanoTime();
        if (seals.await(dir) && System.nanoTime() - tVerify > 1_000_000) {
            log.info("restore of {} waited {} ms for its seal", req.getCheckpoint().getId(), (System.nanoTime() - tVerify) / 1_000_000);
        }
        Verification v = ImageChecks.verifyAllButPages(dir, req.getClusterId(), secret, engine.info());
        long verifyMs = (System.nanoTime() - tVerify) / 1_000_000;
        if (v instanceof Rejected r) {
            return restoreError("refused", "image " + req.getCheckpoint().getId() + " refused: " + r.reason(), "");
        }
        Manifest m = ((Verified) v).manifest();
        if (!m.getJobId().equals(job.getId())) {
            return restoreError("refused", "image " + req.getCheckpoint().getId() + " belongs to job " + m.getJobId(), "");
        }
        Path spool = home.spoolDir(JobId.of(job.getId()));
        if (!Files.isDirectory(spool)) {
            return restoreError("refused", "the output files of job " + job.getId() + " are gone (" + spool + ")", "");
        }
        if (!table.markBusy(job.getId())) return restoreError("refused", "job " + job.getId() + " is busy", "");
        Optional<JobNetwork.Prepared> net = Optional.empty();
        try {
            // The page data (nearly all of a big image) is checksummed while CRIU reads it; the tree stays stopped
            // until the sums match, and is killed unrun when they do not.
            long tPages = System.nanoTime();
            long[] pagesMs = {0};
            CompletableFuture<Optional<String>> pages = CompletableFuture.supplyAsync(() -> {
                Optional<String> bad = ImageChecks.checkPages(dir, m);
                pagesMs[0] = (System.nanoTime() - tPages) / 1_000_000;
                return bad;
            }, r -> Thread.ofVirtual().name("pages-" + job.getId()).start(r));
            RestoreGate gate = () -> joined(pages).map(why -> "image " + req.getCheckpoint().getId() + " refused: " + why);
            long tNet = System.nanoTime();
            if (!job.getNetAddress().isEmpty()) {
                try {
                    net = Optional.of(network.prepare(job.getNetAddress()));
                } catch (RuntimeException e) {
                    return restoreError("io", "cannot give job " + job.getId() + " its address " + job.getNetAddress() + " on "
                            + node + ": " + e.getMessage(), "");
                }
            }
            long netMs = (System.nanoTime() - tNet) / 1_000_000;
            List<String> extra;
            try {
                extra = before.prepare(dir);
            } catch (IOException e) {
                if (net.isPresent()) network.release(job.getNetAddress());
                return restoreError("io", e.getMessage(), "");
            }
            RestoreSpec spec = net.map(n -> NetArgs.restore(dir, timeout, n)).orElseGet(() -> new RestoreSpec(dir, timeout, List.of()))
                    .withMoreArgs(extra);
            if (extra.isEmpty()) {
                spec = spec.withGate(gate);
            } else {
                // post-copy: the pages are not here yet; what is here is checked before CRIU starts
                Optional<String> bad = gate.verdict();
                if (bad.isPresent()) {
                    if (net.isPresent()) network.release(job.getNetAddress());
                    return restoreError("refused", bad.get(), "");
                }
            }
            RestoreOutcome outcome;
            try {
                outcome = engine.restore(spec);
            } catch (RuntimeException e) {
                if (net.isPresent()) network.release(job.getNetAddress());   // no named namespace left behind
                throw e;
            }
            if (net.isPresent() && outcome instanceof Restored r) {
                long tRoute = System.nanoTime();
                try {
                    network.activate(net.get());
                    network.unname(net.get());
                } catch (RuntimeException e) {
                    JobProcesses.signal(r.hostPid(), 9);   // a job that nobody can reach must not run on unseen
                    network.release(job.getNetAddress());
                    return restoreError("io", "job " + job.getId() + " was restored but its address " + job.getNetAddress()
                            + " could not be routed to " + node + ": " + e.getMessage(), "");
                }
                netMs += (System.nanoTime() - tRoute) / 1_000_000;
            } else if (net.isPresent()) {
                network.release(job.getNetAddress());
            }
            if (net.isPresent()) log.info("job {}: network {} plumbed in {} ms", job.getId(), job.getNetAddress(), netMs);
            return switch (outcome) {
                case Restored r -> {
                    table.put(job.toBuilder().setNode(node.value()).setHostPid(r.hostPid()).setHostPidStart(r.hostPidStart()).build());
                    log.info("job {} restored from {} as pid {}: verify {} ms, criu {} ms, page checksums {} ms (beside criu), in all {} ms",
                            job.getId(), req.getCheckpoint().getId(), r.hostPid(), verifyMs, r.took().toMillis(), pagesMs[0],
                            (System.nanoTime() - tIn) / 1_000_000);
                    yield AgentRestoreReply.newBuilder().setOk(true).setHostPid(r.hostPid()).setHostPidStart(r.hostPidStart()).build();
                }
                case RestoreFailed f -> {
                    // a corrupt page file explains a failed restore better than CRIU's own message
                    Optional<String> bad = f.kind() == FailureKind.REFUSED ? Optional.empty() : gate.verdict();
                    yield bad.isPresent() ? restoreError("refused", bad.get(), f.logTail())
                            : restoreError(f.kind().name().toLowerCase(), f.reason(), f.logTail());
                }
            };
        } finally {
            table.clearBusy(job.getId());
        }
    }

    private static <T> T joined(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    /** After a dump without --leave-running, CRIU kills the tree; wait for it so the job never runs twice. */
    private static void awaitGone(JobInfo held) {
        long deadline = System.currentTimeMillis() + 10_000;
        while (JobProcesses.alive(held.getHostPid(), held.getHostPidStart()) && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (JobProcesses.alive(held.getHostPid(), held.getHostPidStart())) {
            JobProcesses.signal(held.getHostPid(), 9);
        }
    }

    private static DumpJobReply dumpError(String kind, String reason, String logTail) {
        return DumpJobReply.newBuilder().setOk(false).setErrorKind(kind).setError(reason).setCriuLogTail(logTail).build();
    }

    private static AgentRestoreReply restoreError(String kind, String reason, String logTail) {
        return AgentRestoreReply.newBuilder().setOk(false).setErrorKind(kind).setError(reason).setCriuLogTail(logTail).build();
    }

    static long size(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
