package io.roam.agent.transfer;

import com.github.luben.zstd.Zstd;
import com.google.protobuf.ByteOutput;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.StreamObserver;
import io.roam.agent.checkpoint.CheckpointSteps;
import io.roam.core.CheckpointId;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import io.roam.criu.CriuInfo;
import io.roam.criu.image.ImageChecks;
import io.roam.criu.image.Rejected;
import io.roam.criu.image.Verification;
import io.roam.criu.image.Verified;
import io.roam.proto.ImageChunk;
import io.roam.proto.ImageHeader;
import io.roam.proto.ReceiveReply;
import io.roam.proto.XferCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The target's side of one image transfer: writes the chunks into a scratch directory next to the image store,
 * verifies the manifest (checksums, HMAC, CRIU compatibility) once the image is complete, and only then moves it to
 * {@code images/CHECKPOINT}. A refused image or a full disk leaves nothing behind; a broken stream leaves the part
 * received so far in {@link PartialImages} for a while, so that the source can resume (a header with resume = true
 * goes on with it from each file's held length). Chunks arrive raw or zstd-compressed ({@link io.roam.proto.XferCodec}).
 */
final class ImageReceiver implements StreamObserver<ImageChunk> {
    private static final Logger log = LoggerFactory.getLogger(ImageReceiver.class);

    private final RoamHome home;
    private final NodeId node;
    private final String clusterId;
    private final byte[] secret;
    private final CriuInfo criu;
    private final StreamObserver<ReceiveReply> reply;
    private final PartialImages partials;
    private final Map<String, FileChannel> open = new HashMap<>();
    private PartialImages.Entry entry;
    private ImageHeader header;
    private long startedNs;
    private Path scratch;
    private long bytes;
    private boolean finished;

    ImageReceiver(RoamHome home, NodeId node, String clusterId, byte[] secret, CriuInfo criu, PartialImages partials,
                  StreamObserver<ReceiveReply> reply) {
        this.home = home;
        this.node = node;
        this.clusterId = clusterId;
        this.secret = secret;
        this.criu = criu;
        this.reply = reply;
        this.partials = partials;
    }

    @Override
    public synchronized void onNext(ImageChunk c) {
        if (finished) return;
        try {
            if (c.hasHeader()) {
                start(c.getHeader());
            } else if (header == null) {
                refuse("the image stream did not start with a header");
            } else if (c.getEnd()) {
                complete();
            } else {
                write(c);
            }
        } catch (IOException e) {
            refuse("cannot write the image on " + node + ": " + e.getMessage());
        } catch (RuntimeException e) {
            log.warn("receiving an image failed", e);
            refuse("cannot receive the image on " + node + ": " + e);
        }
    }

    private void start(ImageHeader h) throws IOException {
        CheckpointId id = CheckpointId.parse(h.getCheckpoint());
        if (!h.getClusterId().equals(clusterId)) {
            refuse("the image comes from cluster " + h.getClusterId() + ", this is cluster " + clusterId);
            return;
        }
        header = h;
        startedNs = System.nanoTime();
        Files.createDirectories(home.imagesDir(node));
        scratch = home.imagesDir(node).resolve(".incoming-" + id.value());
        if (h.getResume()) {
            var kept = partials.adopt(id.value(), this);
            if (kept.isEmpty() || !Files.isDirectory(scratch)) {
                refuse("nothing of image " + id + " is left on " + node + " to resume");
                return;
            }
            entry = kept.get();
            bytes = entry.bytes();
            log.info("image {} of job {}: resuming from {} bytes held", id, h.getJob(), bytes);
            return;
        }
        entry = partials.claim(id.value(), h.getJob(), scratch, this);
        CheckpointSteps.deleteTree(scratch);
        Files.createDirectories(scratch);
        long free = Files.getFileStore(scratch).getUsableSpace();
        if (free < h.getTotalBytes() + (16L << 20)) {
            refuse("not enough disk space on " + node + " for the image: " + h.getTotalBytes() / 1_000_000 + " MB needed, "
                    + free / 1_000_000 + " MB free in " + home.imagesDir(node));
        }
    }

    private void write(ImageChunk c) throws IOException {
        if (!ImageFiles.safeName(c.getFile())) {
            refuse("the image stream names an invalid file '" + c.getFile() + "'");
            return;
        }
        synchronized (entry) {
            if (entry.owner != this) {   // a resumed stream took over: this one is stale
                finished = true;
                closeFiles();
                return;
            }
            long held = entry.lengths.getOrDefault(c.getFile(), 0L);
            if (c.getOffset() != held) throw new IOException("chunk of " + c.getFile() + " at " + c.getOffset() + ", expected " + held);
            FileChannel ch = open.get(c.getFile());
            if (ch == null) {
                ch = FileChannel.open(scratch.resolve(c.getFile()), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                ch.truncate(held);
                open.put(c.getFile(), ch);
            }
            long pos = c.getOffset();
            // A file's checksum runs over what was written, in order; a chunk whose write fails is not counted (a
            // resumed stream truncates the file to its held length and sends that chunk again).
            CRC32C crc = entry.crcs.get(c.getFile());
            if (crc == null && held == 0) entry.crcs.put(c.getFile(), crc = new CRC32C());
            if (c.getCodec() == XferCodec.XFER_CODEC_NONE) {
                if (c.getData().size() != c.getRawLength()) throw new IOException("chunk of " + c.getFile() + " has the wrong size");
                // The chunk's own array (aliased from the connection's buffer), straight to the file and the checksum.
                var out = new FileOut(ch, pos, crc);
                UnsafeByteOperations.unsafeWriteTo(c.getData(), out);
                pos = out.pos;
            } else {
                byte[] raw = Zstd.decompress(c.getZstd().toByteArray(), c.getRawLength());
                if (raw.length != c.getRawLength()) throw new IOException("chunk of " + c.getFile() + " decompressed to the wrong size");
                ByteBuffer b = ByteBuffer.wrap(raw);
                while (b.hasRemaining()) pos += ch.write(b, pos);
                if (crc != null) crc.update(raw);
            }
            entry.lengths.put(c.getFile(), pos);
            bytes += c.getRawLength();
        }
    }

    /** Bytes handed over by a ByteString (its backing array, not a copy) into a file at a position, and a checksum. */
    private static final class FileOut extends ByteOutput {
        private final FileChannel ch;
        private final CRC32C crc;
        long pos;

        FileOut(FileChannel ch, long pos, CRC32C crc) {
            this.ch = ch;
            this.pos = pos;
            this.crc = crc;
        }

        @Override public void write(byte value) throws IOException { write(new byte[] {value}, 0, 1); }

        @Override public void write(byte[] value, int offset, int length) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(value, offset, length);
            while (b.hasRemaining()) pos += ch.write(b, pos);
            if (crc != null) crc.update(value, offset, length);
        }

        @Override public void writeLazy(byte[] value, int offset, int length) throws IOException { write(value, offset, length); }

        @Override public void write(ByteBuffer value) throws IOException {
            ByteBuffer w = value.duplicate();
            while (w.hasRemaining()) pos += ch.write(w, pos);
            if (crc != null) crc.update(value);
        }

        @Override public void writeLazy(ByteBuffer value) throws IOException { write(value); }
    }

    private void complete() throws IOException {
        closeFiles();
        long tVerify = System.nanoTime();
        Map<String, ImageChecks.Written> written = new HashMap<>();
        synchronized (entry) {
            entry.crcs.forEach((name, crc) -> written.put(name, new ImageChecks.Written(entry.lengths.getOrDefault(name, 0L), crc.getValue())));
        }
        Verification v = ImageChecks.verifyReceived(scratch, clusterId, secret, criu, written);
        long verifyMs = (System.nanoTime() - tVerify) / 1_000_000;
        if (v instanceof Rejected r) {
            refuse("the received image failed verification on " + node + ": " + r.reason());
            return;
        }
        String job = ((Verified) v).manifest().getJobId();
        if (!job.equals(header.getJob())) {
            refuse("the received image belongs to job " + job + ", not " + header.getJob());
            return;
        }
        Path dest = home.imageDir(node, CheckpointId.parse(header.getCheckpoint()));
        CheckpointSteps.deleteTree(dest);
        Files.move(scratch, dest, StandardCopyOption.ATOMIC_MOVE);
        finished = true;
        partials.done(entry);
        log.info("image {} of job {} received from {} and verified: {} bytes in {} ms from its header (verify {} ms)", header.getCheckpoint(), job,
                header.getSourceNode(), bytes, (System.nanoTime() - startedNs) / 1_000_000, verifyMs);
        reply.onNext(ReceiveReply.newBuilder().setOk(true).setPath(dest.toString()).setBytes(bytes).build());
        reply.onCompleted();
    }

    private void refuse(String why) {
        if (finished) return;
        finished = true;
        log.warn("image {} refused: {}", header == null ? "?" : header.getCheckpoint(), why);
        if (entry != null) {
            synchronized (entry) {
                if (entry.owner == this) {
                    partials.done(entry);
                    cleanup();
                }
            }
        }
        closeFiles();
        reply.onNext(ReceiveReply.newBuilder().setOk(false).setError(why).build());
        reply.onCompleted();
    }

    @Override
    public synchronized void onError(Throwable t) {
        if (finished) return;
        finished = true;
        log.warn("image {} transfer broke off after {} bytes: {}", header == null ? "?" : header.getCheckpoint(), bytes, t.toString());
        closeFiles();
        if (entry != null) partials.parked(entry, this);
    }

    @Override
    public synchronized void onCompleted() {
        if (!finished) refuse("the image stream ended before the image was complete");
    }

    private void cleanup() {
        closeFiles();
        if (scratch != null) {
            try {
                CheckpointSteps.deleteTree(scratch);
            } catch (RuntimeException e) {
                log.warn("cannot delete {}: {}", scratch, e.toString());
            }
        }
    }

    private void closeFiles() {
        for (FileChannel ch : open.values()) {
            try {
                ch.close();
            } catch (IOException e) {
                log.debug("close: {}", e.toString());
            }
        }
        open.clear();
    }
}
