package io.roam.agent.checkpoint;

import io.roam.agent.jobs.JobTable;
import io.roam.agent.net.JobNetwork;
import io.roam.agent.sandbox.JobProcesses;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import io.roam.criu.CheckpointEngine;
import io.roam.criu.FailureKind;
import io.roam.criu.RestoreFailed;
import io.roam.criu.RestoreGate;
import io.roam.criu.RestoreOutcome;
import io.roam.criu.RestoreSpec;
import io.roam.criu.Restored;
import io.roam.criu.image.ImageChecks;
import io.roam.criu.image.Rejected;
import io.roam.criu.image.Verification;
import io.roam.criu.image.Verified;
import io.roam.proto.AgentRestoreReply;
import io.roam.proto.AgentRestoreRequest;
import io.roam.proto.JobInfo;
import io.roam.proto.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A restore on this node: verify the manifest before CRIU reads the image, check the page data beside CRIU (the tree
 * stays stopped until the sums match), give the job its address, and record the restored tree.
 */
record JobRestore(CheckpointEngine engine, JobTable table, RoamHome home, NodeId node, byte[] secret, JobNetwork network,
                  PendingSeals seals) {
    private static final Logger log = LoggerFactory.getLogger(JobRestore.class);

    AgentRestoreReply restore(AgentRestoreRequest req, CheckpointSteps.BeforeRestore before, Duration timeout) {
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
            RestoreGate gate = () -> CheckpointSteps.joined(pages).map(why -> "image " + req.getCheckpoint().getId() + " refused: " + why);
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


    private static AgentRestoreReply restoreError(String kind, String reason, String logTail) {
        return AgentRestoreReply.newBuilder().setOk(false).setErrorKind(kind).setError(reason).setCriuLogTail(logTail).build();
    }
}
