package io.roam.agent.checkpoint;

import io.roam.agent.jobs.JobTable;
import io.roam.agent.net.JobNetwork;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import io.roam.criu.CheckpointEngine;
import io.roam.proto.AgentRestoreReply;
import io.roam.proto.AgentRestoreRequest;
import io.roam.proto.DumpJobReply;
import io.roam.proto.DumpJobRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

/**
 * The agent's side of checkpoint and restore: check before freezing, dump, seal the image with a manifest; verify the
 * manifest before CRIU ever reads an image. One operation per job at a time (JobTable busy marks). The dump is
 * {@link JobDump}, the restore {@link JobRestore}; this is their entry point and the image directories' helpers.
 */
public final class CheckpointSteps {
    static final Duration CRIU_TIMEOUT = Duration.ofMinutes(20);

    private final PendingSeals seals;
    private final JobDump dump;
    private final JobRestore restore;

    public CheckpointSteps(CheckpointEngine engine, JobTable table, RoamHome home, NodeId node, byte[] secret, JobNetwork network) {
        this(engine, table, home, node, secret, network, new PendingSeals());
    }

    public CheckpointSteps(CheckpointEngine engine, JobTable table, RoamHome home, NodeId node, byte[] secret, JobNetwork network,
                           PendingSeals seals) {
        this.seals = seals;
        this.dump = new JobDump(engine, table, home, node, secret, network, seals);
        this.restore = new JobRestore(engine, table, home, node, secret, network, seals);
    }

    public DumpJobReply dump(DumpJobRequest req) { return dump.dump(req); }

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
        return restore.restore(req, before, timeout);
    }

    static <T> T joined(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
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
