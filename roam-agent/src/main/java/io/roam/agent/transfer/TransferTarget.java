package io.roam.agent.transfer;

import io.grpc.ManagedChannel;
import io.roam.rpc.HostPort;
import java.io.IOException;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent an image goes to: its gRPC channel (Transfer.XferResume, and the gRPC path) and its bulk socket (the
 * gRPC port + 1). {@link #open()} makes each attempt's {@link ChunkLink} by the {@link TransferPath}: under
 * {@code auto} a bulk socket that does not answer within {@link #BULK_CONNECT} makes this transfer fall back to gRPC
 * (and say so) for the rest of its attempts.
 */
final class TransferTarget {
    private static final Logger log = LoggerFactory.getLogger(TransferTarget.class);
    static final Duration BULK_CONNECT = Duration.ofSeconds(3);

    private final String address;
    private final ManagedChannel channel;
    private final SSLContext ssl;
    private final TransferPath path;
    private boolean bulkFailed;

    TransferTarget(String address, ManagedChannel channel, SSLContext ssl, TransferPath path) {
        this.address = address;
        this.channel = channel;
        this.ssl = ssl;
        this.path = path;
    }

    String address() { return address; }

    ManagedChannel channel() { return channel; }

    /** The target's bulk socket: its gRPC port + 1 (see {@link TransferService#startDataPort}). */
    static int bulkPort(int grpcPort) { return grpcPort + 1; }

    ChunkLink open() throws IOException {
        if (path == TransferPath.GRPC || (path == TransferPath.AUTO && bulkFailed)) return new GrpcLink(channel);
        HostPort hp = HostPort.parse(address);
        try {
            return BulkLink.connect(ssl, hp.host(), bulkPort(hp.port()), BULK_CONNECT);
        } catch (IOException e) {
            if (path == TransferPath.BULK) throw new IOException("cannot reach the bulk socket of " + address + ": " + ImageSender.describe(e), e);
            bulkFailed = true;
            log.warn("the bulk socket of {} does not answer ({}); sending over gRPC", address, ImageSender.describe(e));
            return new GrpcLink(channel);
        }
    }
}
