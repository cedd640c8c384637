package io.roam.coordinator.migration;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.proto.DropSpoolReply;
import io.roam.proto.DropSpoolRequest;
import io.roam.proto.FetchSpoolReply;
import io.roam.proto.FetchSpoolRequest;
import io.roam.proto.MarkSpoolReply;
import io.roam.proto.MarkSpoolRequest;
import io.roam.proto.SpoolGrpc;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a job's spool directory (output files, TMPDIR) follow it from one node to another (spool.proto): mark it on
 * the source, have the target fetch it (or find it shared), unmark it; and drop the copy a job left behind.
 */
final class SpoolClients implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpoolClients.class);
    private static final Duration SHORT = Duration.ofSeconds(30);
    private static final Duration FETCH = Duration.ofHours(2);

    /** The outcome: {@code shared} when both nodes see the same directory (nothing was copied). */
    record Shipment(boolean ok, boolean shared, long bytes, String error) {
        static Shipment failed(String why) { return new Shipment(false, false, 0, why); }
    }

    private final Identity identity;
    private final Function<NodeId, Optional<String>> addressOf;
    private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    SpoolClients(Identity identity, Function<NodeId, Optional<String>> addressOf) {
        this.identity = identity;
        this.addressOf = addressOf;
    }

    Shipment ship(NodeId source, NodeId target, JobId job) {
        Optional<SpoolGrpc.SpoolBlockingStub> from = stub(source), to = stub(target);
        Optional<String> sourceAddress = addressOf.apply(source);
        if (from.isEmpty() || to.isEmpty() || sourceAddress.isEmpty()) return Shipment.failed("a node has never registered");
        try {
            MarkSpoolReply mark = from.get().withDeadlineAfter(SHORT.toMillis(), TimeUnit.MILLISECONDS)
                    .mark(MarkSpoolRequest.newBuilder().setJob(job.value()).build());
            if (!mark.getOk()) return Shipment.failed(mark.getError());
            try {
                FetchSpoolReply got = to.get().withDeadlineAfter(FETCH.toMillis(), TimeUnit.MILLISECONDS).fetch(FetchSpoolRequest.newBuilder()
                        .setJob(job.value()).setToken(mark.getToken()).setSourceNode(source.value()).setSourceAddress(sourceAddress.get()).build());
                return got.getOk() ? new Shipment(true, got.getShared(), got.getBytes(), "") : Shipment.failed(got.getError());
            } finally {
                unmark(from.get(), job, mark.getToken());
            }
        } catch (StatusRuntimeException e) {
            return Shipment.failed("an agent did not answer (" + e.getStatus().getCode() + ")");
        }
    }

    /** Deletes {@code node}'s copy of the job's spool directory, in the background (the node may be unreachable). */
    void drop(NodeId node, JobId job) {
        Thread.ofVirtual().name("drop-spool-" + job + "@" + node).start(() -> {
            for (int attempt = 0; attempt < 20; attempt++) {
                Optional<SpoolGrpc.SpoolBlockingStub> s = stub(node);
                try {
                    if (s.isPresent()) {
                        DropSpoolReply r = s.get().withDeadlineAfter(SHORT.toMillis(), TimeUnit.MILLISECONDS)
                                .drop(DropSpoolRequest.newBuilder().setJob(job.value()).build());
                        if (!r.getOk()) LOG.warn("output files of job {} on {} not deleted: {}", job, node, r.getError());
                        return;
                    }
                } catch (StatusRuntimeException e) {
                    LOG.info("output files of job {} on {}: drop failed ({}), retrying", job, node, e.getStatus().getCode());
                }
                try {
                    Thread.sleep(Math.min(30_000, 1_000L << Math.min(attempt, 5)));
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    private void unmark(SpoolGrpc.SpoolBlockingStub from, JobId job, String token) {
        try {
            // a mark request naming a token removes that mark
            from.withDeadlineAfter(SHORT.toMillis(), TimeUnit.MILLISECONDS)
                    .mark(MarkSpoolRequest.newBuilder().setJob(job.value()).setClear(token).build());
        } catch (StatusRuntimeException e) {
            LOG.info("mark of job {}'s output files not removed: {}", job, e.getStatus().getCode());
        }
    }

    private Optional<SpoolGrpc.SpoolBlockingStub> stub(NodeId node) {
        return addressOf.apply(node).map(a -> SpoolGrpc.newBlockingStub(io.roam.coordinator.agents.ChannelBackoff.reconnectingNow(
                channels.computeIfAbsent(a, x -> Tls.channel(x, identity)))));
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }
}
