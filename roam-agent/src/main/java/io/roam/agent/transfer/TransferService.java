package io.roam.agent.transfer;

import io.grpc.ManagedChannel;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.roam.agent.jobs.JobTable;
import io.roam.agent.rpc.PeerChannels;
import io.roam.agent.sandbox.JobProcesses;
import io.roam.core.CheckpointId;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import io.roam.criu.CriuInfo;
import io.roam.criu.image.ImageChecks;
import io.roam.criu.image.Rejected;
import io.roam.proto.ImageChunk;
import io.roam.proto.ImageHeader;
import io.roam.proto.ProbeReply;
import io.roam.proto.ProbeRequest;
import io.roam.proto.ReceiveReply;
import io.roam.proto.SendImageRequest;
import io.roam.proto.TransferGrpc;
import io.roam.proto.TransferProgress;
import io.roam.proto.XferFileLength;
import io.roam.proto.XferResumeReply;
import io.roam.proto.XferResumeRequest;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Agent ↔ agent image streaming (Send on the source, Receive on the target) and Probe for a recovering coordinator. */
public final class TransferService extends TransferGrpc.TransferImplBase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransferService.class);

    private final NodeId node;
    private final RoamHome home;
    private final JobTable table;
    private final String clusterId;
    private final byte[] secret;
    private final CriuInfo criu;
    private final ImageSender sender;
    private final PartialImages partials = new PartialImages();
    private final PeerChannels peers;
    private final javax.net.ssl.SSLContext ssl;
    private volatile TransferPath path = TransferPath.fromEnvironment(System.getenv());
    private final PageRelay pages;
    private BulkServer bulk;
    private final java.util.function.Consumer<Path> awaitSeal;

    public TransferService(NodeId node, RoamHome home, JobTable table, Identity identity, String clusterId, byte[] secret,
                           CriuInfo criu, TransferFaults faults) {
        this(node, home, table, identity, clusterId, secret, criu, faults, dir -> {});
    }

    /** {@code awaitSeal}: waits until a checkpoint's image, sealed after its checkpoint was answered, is sealed. */
    public TransferService(NodeId node, RoamHome home, JobTable table, Identity identity, String clusterId, byte[] secret,
                           CriuInfo criu, TransferFaults faults, java.util.function.Consumer<Path> awaitSeal) {
        this.awaitSeal = awaitSeal;
        this.node = node;
        this.home = home;
        this.table = table;
        this.clusterId = clusterId;
        this.secret = secret;
        this.criu = criu;
        this.sender = new ImageSender(faults);
        this.peers = new PeerChannels(identity);
        this.ssl = Tls.sslContext(identity);
        this.pages = new PageRelay(ssl);
        if (faults.any()) log.warn("transfer test knobs are on: {}", faults);
    }

    @Override
    public void send(SendImageRequest req, StreamObserver<TransferProgress> obs) {
        Path dir = home.imageDir(node, CheckpointId.parse(req.getCheckpoint()));
        awaitSeal.accept(dir);   // a kept image's checkpoint was answered before its seal; a migration's dump is not registered
        var cancelled = (ServerCallStreamObserver<TransferProgress>) obs;
        // A cached channel: a new one costs a TLS handshake, inside a post-copy migration's freeze. A new or idle one
        // starts connecting now, while the dump it follows gets going.
        ManagedChannel ch = peers.get(req.getTargetAddress());
        ch.getState(true);
        if (req.getFollow()) awaitDump(dir, cancelled);
        if (!Files.isDirectory(dir)) {
            obs.onNext(TransferProgress.newBuilder().setDone(true).setOk(false)
                    .setError("image " + req.getCheckpoint() + " is not on " + node).build());
            obs.onCompleted();
            return;
        }
        // A kept image is sealed by now (its seal was awaited): without a manifest it never will be, and the sender
        // would wait for one until its follow limit.
        Optional<String> unsealed = req.getFollow() ? Optional.empty() : ImageChecks.unsealed(dir);
        if (unsealed.isPresent()) {
            obs.onNext(TransferProgress.newBuilder().setDone(true).setOk(false)
                    .setError("image " + req.getCheckpoint() + " cannot be sent: " + unsealed.get()).build());
            obs.onCompleted();
            return;
        }
        boolean ok = false;
        try {
            ImageHeader h = ImageHeader.newBuilder().setCheckpoint(req.getCheckpoint()).setJob(req.getJob())
                    .setClusterId(req.getClusterId()).setSourceNode(node.value()).build();
            var target = new TransferTarget(req.getTargetAddress(), ch, ssl, path);
            TransferProgress last = sender.send(target, dir, h, req.getFollow(), cancelled::isCancelled, p -> {
                if (!cancelled.isCancelled()) obs.onNext(p);
            });
            ok = last.getOk();
            if (!cancelled.isCancelled()) {
                obs.onNext(last);
                obs.onCompleted();
            }
        } finally {
            if (!ok) peers.discard(req.getTargetAddress(), ch);   // the next transfer starts on a fresh connection
        }
    }

    /** At agent stop: the channels to other agents go. */
    @Override
    public void close() { peers.close(); }

    /**
     * Starts the bulk data path's server ({@link BulkServer}) on {@code host:port} (the gRPC port + 1): the same
     * receivers as {@link #receive}. Throws {@link java.io.UncheckedIOException} when the port is taken.
     */
    public synchronized void startDataPort(String host, int port) {
        if (bulk != null) throw new IllegalStateException("the bulk socket is already listening on " + bulk.port());
        bulk = BulkServer.start(ssl, host, port, this::receive, pages);
        Thread.ofPlatform().daemon().priority(Thread.MIN_PRIORITY).name("sealed-frames-warm-up").start(SealedFrames::warmUp);
        log.info("bulk socket for images on {}:{} (this agent sends over: {})", host, bulk.port(), path.name().toLowerCase(java.util.Locale.ROOT));
    }

    /** The post-copy page relay, whose source side listens on the bulk socket. */
    public PageRelay pageRelay() { return pages; }

    /** The bulk socket's port; -1 when it does not listen. */
    public synchronized int dataPort() { return bulk == null ? -1 : bulk.port(); }

    public synchronized void closeDataPort() {
        if (bulk != null) bulk.close();
        bulk = null;
    }

    /** The path this agent sends images over (tests; agents read {@value TransferPath#ENV}). */
    void sendOver(TransferPath p) { path = p; }

    /** A follow-mode send starts with the dump: wait (bounded) until the dump has made the image directory. */
    private static void awaitDump(Path dir, ServerCallStreamObserver<TransferProgress> call) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.isDirectory(dir) && !call.isCancelled() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public StreamObserver<ImageChunk> receive(StreamObserver<ReceiveReply> obs) {
        return new ImageReceiver(home, node, clusterId, secret, criu, partials, obs);
    }

    @Override
    public void xferResume(XferResumeRequest req, StreamObserver<XferResumeReply> obs) {
        var b = XferResumeReply.newBuilder();
        partials.detach(req.getCheckpoint()).ifPresent(held -> {
            b.setPresent(true);
            held.forEach((f, n) -> b.addFiles(XferFileLength.newBuilder().setFile(f).setLength(n)));
        });
        obs.onNext(b.build());
        obs.onCompleted();
    }

    @Override
    public void probe(ProbeRequest req, StreamObserver<ProbeReply> obs) {
        var b = ProbeReply.newBuilder().setBusy(table.isBusy(req.getJob()));
        table.get(req.getJob()).ifPresent(j -> b.setHoldsJob(true).setHostPid(j.getHostPid()).setHostPidStart(j.getHostPidStart())
                .setAlive(JobProcesses.alive(j.getHostPid(), j.getHostPidStart())));
        if (!req.getCheckpoint().isEmpty()) {
            Path dir = home.imageDir(node, CheckpointId.parse(req.getCheckpoint()));
            awaitSeal.accept(dir);
            if (Files.isDirectory(dir)) {
                b.setImagePresent(true).setImagePath(dir.toString());
                if (ImageChecks.verify(dir, clusterId, secret, criu) instanceof Rejected r) b.setImageError(r.reason());
                else b.setImageValid(true);
            }
        }
        obs.onNext(b.build());
        obs.onCompleted();
    }
}
