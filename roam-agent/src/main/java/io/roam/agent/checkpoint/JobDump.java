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
import io.roam.criu.DumpSpec;
import io.roam.criu.Dumped;
import io.roam.criu.image.FileStamps;
import io.roam.criu.image.ImageManifests;
import io.roam.criu.image.ManifestInputs;
import io.roam.criu.image.MappedFiles;
import io.roam.criu.image.SealFollower;
import io.roam.criu.inspect.JobInspector;
import io.roam.proto.CheckReport;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.DumpJobReply;
import io.roam.proto.DumpJobRequest;
import io.roam.proto.JobInfo;
import io.roam.proto.MappedFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A checkpoint on this node: check the job before anything is frozen, dump it with CRIU, seal the image (now, or
 * after the answer for a plain checkpoint), and on a stopping dump wait until the tree is gone and free its address.
 */
record JobDump(CheckpointEngine engine, JobTable table, RoamHome home, NodeId node, byte[] secret, JobNetwork network,
               PendingSeals seals) {
    private static final Logger log = LoggerFactory.getLogger(JobDump.class);

    DumpJobReply dump(DumpJobRequest req) {
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
            List<MappedFile> mapped = CheckpointSteps.joined(mappedSoon);
            long mapsMs = (System.nanoTime() - tMaps) / 1_000_000;
            long t0 = System.nanoTime();
            // A plain checkpoint is sealed after the answer (PendingSeals): nothing reads the image beside CRIU. Others
            // (sleep, which syncs before it answers; a migration, whose transfer follows the dump) take the checksums
            // while CRIU writes, so that the seal then reads only the last few pages.
            boolean sealAfter = req.getSealAfterReply() && !req.getDurable();
            SealFollower seal = sealAfter ? null : SealFollower.start(dir);
            DumpOutcome outcome;
            try {
                outcome = engine.dump(new DumpSpec(held.getHostPid(), dir, req.getLeaveRunning(), CheckpointSteps.CRIU_TIMEOUT, NetArgs.dump(held)));
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
                    long criuBytes = CheckpointSteps.size(dir);
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
                    long bytes = sealAfter ? criuBytes : CheckpointSteps.size(dir);
                    log.info("job {} checkpointed as {} ({} bytes): check {} ms, maps {} ms more, criu {} ms, seal {} ms{}, exit {} ms, in all {} ms",
                            job, id, bytes, checkMs, mapsMs, dumpMs, sealMs, sealAfter ? " (the checksums follow the answer)" : "", (System.nanoTime() - tGone) / 1_000_000, (System.nanoTime() - tIn) / 1_000_000);
                    yield DumpJobReply.newBuilder().setOk(true).setCheckpoint(CheckpointInfo.newBuilder().setId(id.value())
                            .setJob(job).setNode(node.value()).setCreatedMs(createdMs).setSizeBytes(bytes)
                            .setPath(dir.toString()).setLeaveRunning(req.getLeaveRunning()).setCriuVersion(engine.info().version())
                            .setKernel(engine.info().kernel()).setDumpMs(dumpMs).setUid(held.getSpec().getUid())).build();
                }
                case DumpFailed f -> {
                    if (seal != null) seal.close();
                    CheckpointSteps.deleteTree(dir);
                    boolean alive = JobProcesses.alive(held.getHostPid(), held.getHostPidStart());
                    log.warn("checkpoint of job {} failed ({}; process {}): {}", job, f.kind(), alive ? "alive" : "gone", f.reason());
                    yield dumpError(f.kind().name().toLowerCase(), f.reason(), f.logTail());
                }
            };
        } catch (IOException e) {
            CheckpointSteps.deleteTree(dir);
            return dumpError("io", "cannot write the image: " + e.getMessage(), "");
        } finally {
            table.clearBusy(job);
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
}
