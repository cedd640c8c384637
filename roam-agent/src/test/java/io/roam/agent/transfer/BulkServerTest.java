package io.roam.agent.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.roam.agent.jobs.JobTable;
import io.roam.core.CheckpointId;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import io.roam.criu.CriuInfo;
import io.roam.criu.image.ImageManifests;
import io.roam.criu.image.ManifestInputs;
import io.roam.proto.ImageChunk;
import io.roam.proto.ImageHeader;
import io.roam.proto.JobSpec;
import io.roam.proto.ReceiveReply;
import io.roam.proto.TransferProgress;
import io.roam.rpc.ClusterCa;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bulk data path with real components: a target agent's TransferService (gRPC server and bulk socket, real TLS
 * with a test cluster CA, the real ImageReceiver writing into a roam home) and a source's ImageSender over real
 * sockets on 127.0.0.1, with a real sealed image.
 */
class BulkServerTest {
    private static final CriuInfo HERE = new CriuInfo("4.2.1", "6.18.44", "x86_64", Set.of());
    private static final NodeId TARGET = NodeId.of("n2");

    @TempDir Path tmp;
    private ClusterCa ca;
    private Identity source;
    private RoamHome home;
    private TransferService service;
    private Server grpc;
    private Path image;

    @BeforeEach
    void up() throws IOException {
        ca = ClusterCa.loadOrCreate(tmp.resolve("ca"));
        source = Identity.loadOrIssue(ca, tmp.resolve("ids"), "n1");
        Identity target = Identity.loadOrIssue(ca, tmp.resolve("ids"), "n2");
        home = new RoamHome(tmp.resolve("home"));
        service = new TransferService(TARGET, home, new JobTable(tmp.resolve("jobs")), target, ca.clusterId(), ca.secret(), HERE,
                TransferFaults.none());
        grpc = TransferServers.listen(target, service);
        image = Files.createDirectories(tmp.resolve("src/job.1"));
        byte[] pages = new byte[(18 << 20) + 12345];   // several 4 MiB chunks and a short last one
        new Random(7).nextBytes(pages);
        Files.write(image.resolve("pages-1.img"), pages);
        Files.write(image.resolve("core-1.img"), "core".getBytes());
        Files.write(image.resolve("inventory.img"), new byte[0]);
        ImageManifests.write(image, new ManifestInputs("job.1", "job", ca.clusterId(), "n1",
                JobSpec.newBuilder().addArgv("/bin/sleep").setCwd("/").build(), false, 42, List.of(), HERE, ca.secret()));
    }

    @AfterEach
    void down() throws InterruptedException {
        service.closeDataPort();
        grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private String address() { return "127.0.0.1:" + grpc.getPort(); }

    private TransferProgress send(TransferPath path, TransferFaults faults) throws InterruptedException {
        ManagedChannel ch = Tls.channel(address(), source);
        try {
            var target = new TransferTarget(address(), ch, Tls.sslContext(source), path);
            ImageHeader h = ImageHeader.newBuilder().setCheckpoint("job.1").setJob("job").setClusterId(ca.clusterId()).setSourceNode("n1").build();
            return new ImageSender(faults).send(target, image, h, false, () -> false, p -> {});
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private void assertLandedByteExact() throws IOException {
        Path dest = home.imageDir(TARGET, CheckpointId.parse("job.1"));
        try (var files = Files.list(image)) {
            for (Path f : files.toList()) {
                assertThat(Files.readAllBytes(dest.resolve(f.getFileName().toString()))).as(f.getFileName().toString()).isEqualTo(Files.readAllBytes(f));
            }
        }
    }

    private List<String> leftInImages() throws IOException {
        if (!Files.isDirectory(home.imagesDir(TARGET))) return List.of();
        try (var s = Files.list(home.imagesDir(TARGET))) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    void anImageSentOverTheBulkSocketLandsByteExactAndVerified() throws Exception {
        TransferProgress done = send(TransferPath.BULK, TransferFaults.none());
        assertThat(done.getOk()).as(done.getError()).isTrue();
        assertThat(done.getCodec()).contains("over the bulk socket");
        assertThat(done.getBytesSent()).isGreaterThan(18L << 20);
        assertLandedByteExact();
        assertThat(leftInImages()).containsExactly("job.1");
    }

    @Test
    void aCorruptedChunkIsRefusedByTheChecksumsAndNothingIsLeft() throws Exception {
        TransferProgress done = send(TransferPath.BULK, new TransferFaults(true, OptionalLong.empty(), Optional.empty()));
        assertThat(done.getOk()).isFalse();
        assertThat(done.getError()).contains("checksum mismatch");
        assertThat(leftInImages()).isEmpty();
    }

    @Test
    void aConnectionWithoutAClusterCertificateIsRefused() throws Exception {
        SSLContext anonymous = SSLContext.getInstance("TLSv1.3");
        anonymous.init(null, trusting(ca), null);
        assertThat(refused(anonymous)).isTrue();
        // a certificate of another cluster's CA is no better
        ClusterCa other = ClusterCa.loadOrCreate(tmp.resolve("other-ca"));
        assertThat(refused(Tls.sslContext(Identity.loadOrIssue(other, tmp.resolve("other-ids"), "n1")))).isTrue();
        assertThat(leftInImages()).isEmpty();
        // and the server goes on serving members
        assertThat(send(TransferPath.BULK, TransferFaults.none()).getOk()).isTrue();
        assertLandedByteExact();
    }

    @Test
    void malformedAndOversizedFramesGetAnErrorAndTheServerGoesOn() throws Exception {
        ReceiveReply oversized = rawExchange(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f});   // 256 MiB
        assertThat(oversized.getOk()).isFalse();
        assertThat(oversized.getError()).contains("a frame of 268435455 bytes");
        ReceiveReply malformed = rawExchange(new byte[] {2, 0x0f, 0x00});   // field 1 with wire type 7
        assertThat(malformed.getOk()).isFalse();
        assertThat(malformed.getError()).contains("not an image chunk");
        ImageChunk headless = ImageChunk.newBuilder().setFile("pages-1.img").setRawLength(0).build();
        var out = new java.io.ByteArrayOutputStream();
        headless.writeDelimitedTo(out);
        assertThat(rawExchange(out.toByteArray()).getError()).contains("did not start with a header");
        assertThat(send(TransferPath.BULK, TransferFaults.none()).getOk()).isTrue();
        assertLandedByteExact();
    }

    @Test
    void aSealedFrameThatWasTamperedWithOrIsTooLongIsRefusedAndTheServerGoesOn() throws Exception {
        ImageChunk header = ImageChunk.newBuilder().setHeader(ImageHeader.newBuilder().setCheckpoint("job.1").setJob("job")
                .setClusterId(ca.clusterId())).build();
        var plain = new java.io.ByteArrayOutputStream();
        header.writeDelimitedTo(plain);
        // a byte flipped on the wire, inside the ciphertext of a frame sealed with this connection's own key
        ReceiveReply tampered;
        try (Conn c = connect(Tls.sslContext(source))) {
            BulkWire.Sealed sealed = BulkWire.sourceSwitch(c.raw(), c.tls());
            byte[] frame = sealedFrame(SealedFrames.key(c.tls().getSession(), SealedFrames.SOURCE_LABEL), plain.toByteArray());
            frame[6] ^= 0x01;
            c.raw().getOutputStream().write(frame);
            c.raw().getOutputStream().flush();
            tampered = ReceiveReply.parseDelimitedFrom(sealed.in());
        }
        assertThat(tampered.getOk()).isFalse();
        assertThat(tampered.getError()).contains("fails its authentication tag");
        // a frame sealed with a key of another connection (a replay) fails the same way
        byte[] foreign;
        try (Conn other = connect(Tls.sslContext(source))) {
            BulkWire.sourceSwitch(other.raw(), other.tls());
            foreign = sealedFrame(SealedFrames.key(other.tls().getSession(), SealedFrames.SOURCE_LABEL), plain.toByteArray());
        }
        assertThat(sealedExchange((raw, sealed) -> raw.write(foreign)).getError()).contains("fails its authentication tag");
        // plaintext on the wire after the switch-over is no frame either
        var clear = new java.io.ByteArrayOutputStream();
        new java.io.DataOutputStream(clear).writeInt(plain.size());
        clear.write(plain.toByteArray());
        clear.write(new byte[16]);
        assertThat(sealedExchange((raw, sealed) -> raw.write(clear.toByteArray())).getError()).contains("fails its authentication tag");
        // a frame header announcing more than a frame holds is refused before anything is read into memory
        assertThat(sealedExchange((raw, sealed) -> raw.write(new byte[] {0x7f, 0, 0, 0})).getError())
                .contains("a sealed frame of 2130706432 bytes");
        assertThat(leftInImages()).isEmpty();
        assertThat(send(TransferPath.BULK, TransferFaults.none()).getOk()).isTrue();
        assertLandedByteExact();
    }

    @Test
    void autoFallsBackToGrpcWhenTheBulkSocketDoesNotAnswer() throws Exception {
        service.closeDataPort();
        long t0 = System.nanoTime();
        TransferProgress done = send(TransferPath.AUTO, TransferFaults.none());
        assertThat(done.getOk()).as(done.getError()).isTrue();
        assertThat(done.getCodec()).contains("over gRPC");
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(10));
        assertLandedByteExact();
    }

    /** A TCP connection to the bulk port with a finished TLS handshake over it (client side). */
    private record Conn(Socket raw, SSLSocket tls) implements AutoCloseable {
        @Override public void close() throws IOException { raw.close(); }
    }

    private Conn connect(SSLContext ctx) throws IOException {
        Socket raw = new Socket("127.0.0.1", grpc.getPort() + 1);
        try {
            raw.setSoTimeout(10_000);
            var tls = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "127.0.0.1", grpc.getPort() + 1, false);
            tls.setSSLParameters(BulkWire.parameters(tls.getSSLParameters()));
            tls.startHandshake();
            return new Conn(raw, tls);
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    /** Whether the server refused: the handshake, the switch-over, the first write or the read of a reply fails or meets the end. */
    private boolean refused(SSLContext ctx) {
        try (Conn c = connect(ctx)) {
            BulkWire.Sealed sealed = BulkWire.sourceSwitch(c.raw(), c.tls());
            ImageChunk header = ImageChunk.newBuilder().setHeader(ImageHeader.newBuilder().setCheckpoint("job.1").setJob("job")
                    .setClusterId(ca.clusterId())).build();
            BulkWire.write(header, sealed.out());
            return ReceiveReply.parseDelimitedFrom(sealed.in()) == null;
        } catch (IOException e) {
            return true;
        }
    }

    /** Sends {@code bytes} as the plaintext of the sealed stream and returns the target's reply. */
    private ReceiveReply rawExchange(byte[] bytes) throws IOException {
        return sealedExchange((raw, sealed) -> {
            sealed.write(bytes);
            sealed.flush();
        });
    }

    private interface Writer {
        void write(OutputStream raw, OutputStream sealed) throws IOException;
    }

    /** After the switch-over, lets {@code w} write on the TCP socket (raw) or through the sealed frames; returns the reply. */
    private ReceiveReply sealedExchange(Writer w) throws IOException {
        try (Conn c = connect(Tls.sslContext(source))) {
            BulkWire.Sealed sealed = BulkWire.sourceSwitch(c.raw(), c.tls());
            w.write(c.raw().getOutputStream(), sealed.out());
            ReceiveReply r = ReceiveReply.parseDelimitedFrom(sealed.in());
            assertThat(r).as("a reply").isNotNull();
            return r;
        }
    }

    /** One sealed frame with the source's key of this connection, as bytes (to be tampered with before sending). */
    private static byte[] sealedFrame(javax.crypto.SecretKey key, byte[] plain) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        var out = new SealedFrames.Out(bytes, key);
        out.write(plain);
        out.flush();
        return bytes.toByteArray();
    }

    private static javax.net.ssl.TrustManager[] trusting(ClusterCa ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca.caCert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        return tmf.getTrustManagers();
    }
}
