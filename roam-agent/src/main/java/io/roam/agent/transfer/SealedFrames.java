package io.roam.agent.transfer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bulk socket's record layer after the TLS handshake: AES-256-GCM frames of up to {@link #FRAME} bytes, keyed
 * from the TLS 1.3 session by its keying-material exporter (RFC 8446 §7.5, RFC 5705), one key per direction, written
 * on the TCP socket under TLS. The handshake (mutual authentication by the cluster CA, TLS 1.3, ALPN) is JSSE's; only
 * the bulk bytes leave JSSE's record layer, whose 16 KiB records and per-record copies held one connection to about
 * half of the socket's rate here ({@code bench/bulk-transport}, loopback: JSSE 1335 MB/s, plain TCP 2488, these
 * frames 2269). This is what kernel TLS does with the keys of a handshake made in user space; this kernel has no kTLS.
 *
 * <p>A frame: a 4-byte big-endian plaintext length (the AAD), then the ciphertext and its 16-byte tag. The nonce is
 * the frame's number in its direction (4 zero bytes, then 8 bytes of counter): never reused under one key, and a
 * frame that is replayed, reordered, cut or taken from another connection fails its tag. A length over
 * {@link #FRAME} is refused before anything is read into memory. The end of a stream is the protocol's own (the
 * image's end chunk and its verified manifest), so a stream cut between two frames is a broken transfer, never a
 * short image.
 */
final class SealedFrames {
    private static final Logger log = LoggerFactory.getLogger(SealedFrames.class);
    static final int FRAME = 1 << 20;
    /** The frames of the target's one reply: small, so that a connection's reply path holds 128 KiB, not 2 MiB. */
    static final int REPLY_FRAME = 64 << 10;
    private static final int TAG = 16, HEADER = 4;
    /** A write this large is sealed from the caller's array without a copy (see {@link Out#write(byte[], int, int)}). */
    static final int DIRECT = 64 << 10;
    static final int WARM_ROUNDS = 10, WARM_FRAMES = 500;
    static final String SOURCE_LABEL = "EXPORTER-roam-image-source", TARGET_LABEL = "EXPORTER-roam-image-target";

    private SealedFrames() {}

    /** The key of one direction: {@link #SOURCE_LABEL} for the image, {@link #TARGET_LABEL} for the target's reply. */
    static SecretKey key(SSLSession session, String label) throws IOException {
        if (!(session instanceof ExtendedSSLSession s)) throw new IOException("the TLS session cannot export keying material");
        byte[] k = s.exportKeyingMaterialData(label, null, 32);
        return new SecretKeySpec(k, "AES");
    }

    private static byte[] nonce(long n) {
        byte[] iv = new byte[12];
        for (int i = 0; i < 8; i++) iv[4 + i] = (byte) (n >>> (56 - 8 * i));
        return iv;
    }

    private static Cipher cipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no AES/GCM", e);
        }
    }

    /** Plaintext in, sealed frames out: a frame per {@link #FRAME} bytes and one at every {@link #flush()}. */
    static final class Out extends OutputStream {
        private final OutputStream raw;
        private final SecretKey key;
        private final Cipher cipher = cipher();
        private final int frame;
        private final byte[] plain;
        private final byte[] sealed;
        private int buffered;
        private long frames;

        Out(OutputStream raw, SecretKey key) { this(raw, key, FRAME); }

        /** Frames of at most {@code frame} bytes of plaintext (at most {@link #FRAME}). */
        Out(OutputStream raw, SecretKey key, int frame) {
            if (frame <= 0 || frame > FRAME) throw new IllegalArgumentException("a frame of " + frame + " bytes");
            this.raw = raw;
            this.key = key;
            this.frame = frame;
            this.plain = new byte[frame];
            this.sealed = new byte[HEADER + frame + TAG];
        }

        @Override public void write(int b) throws IOException {
            if (buffered == frame) seal(plain, 0, buffered);
            plain[buffered++] = (byte) b;
        }

        /**
         * A write of {@link #DIRECT} bytes or more (or a whole frame) is sealed straight from the caller's bytes, never
         * copied: what was buffered before it goes first as a short frame of its own, then its bytes in frames of at
         * most {@link #FRAME}, the last one short. (A chunk comes as 4 KiB of header and data from protobuf's buffer,
         * then the rest of its 4 MiB in the bulk link's 1 MiB slices: gathered into whole frames, a quarter of every
         * chunk was copied once more.) Smaller writes are gathered into frames.
         */
        @Override public void write(byte[] b, int off, int len) throws IOException {
            if (len >= Math.min(frame, DIRECT)) {
                if (buffered > 0) seal(plain, 0, buffered);
                while (len > 0) {
                    int n = Math.min(len, frame);
                    seal(b, off, n);
                    off += n;
                    len -= n;
                }
                return;
            }
            while (len > 0) {
                int n = Math.min(len, frame - buffered);
                System.arraycopy(b, off, plain, buffered, n);
                buffered += n;
                off += n;
                len -= n;
                if (buffered == frame) seal(plain, 0, buffered);
            }
        }

        @Override public void flush() throws IOException {
            if (buffered > 0) seal(plain, 0, buffered);
            raw.flush();
        }

        private void seal(byte[] b, int off, int len) throws IOException {
            sealed[0] = (byte) (len >>> 24);
            sealed[1] = (byte) (len >>> 16);
            sealed[2] = (byte) (len >>> 8);
            sealed[3] = (byte) len;
            try {
                cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG * 8, nonce(frames++)));
                cipher.updateAAD(sealed, 0, HEADER);
                int n = cipher.doFinal(b, off, len, sealed, HEADER);
                raw.write(sealed, 0, HEADER + n);
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot seal a frame: " + e.getMessage(), e);
            }
            if (b == plain) buffered = 0;
        }

        @Override public void close() throws IOException { raw.close(); }
    }

    /** Sealed frames in, plaintext out; a frame that fails its tag, or is too long, ends the stream with an error. */
    static final class In extends InputStream {
        private final InputStream raw;
        private final SecretKey key;
        private final Cipher cipher = cipher();
        private final int max;
        private final byte[] sealed;
        private final byte[] plain;
        private final byte[] header = new byte[HEADER];
        private int pos, limit;
        private long frames;

        In(InputStream raw, SecretKey key) { this(raw, key, FRAME); }

        /** Accepts frames of at most {@code max} bytes of plaintext (at most {@link #FRAME}). */
        In(InputStream raw, SecretKey key, int max) {
            if (max <= 0 || max > FRAME) throw new IllegalArgumentException("a frame of " + max + " bytes");
            this.raw = raw;
            this.key = key;
            this.max = max;
            this.sealed = new byte[max + TAG];
            this.plain = new byte[max];
        }

        @Override public int read() throws IOException {
            if (pos == limit && !open()) return -1;
            return plain[pos++] & 0xff;
        }

        @Override public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            while (pos == limit) {
                int next = nextLength();
                if (next < 0) return -1;
                if (next <= len) {
                    // A caller that takes a whole frame gets it opened straight into its array: one copy less per byte.
                    int n = decrypt(next, b, off);
                    if (n > 0) return n;
                } else {
                    limit = decrypt(next, plain, 0);
                    pos = 0;
                }
            }
            int n = Math.min(len, limit - pos);
            System.arraycopy(plain, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override public int available() { return limit - pos; }

        /** Reads and opens the next frame into {@link #plain}; false at a clean end between two frames. */
        private boolean open() throws IOException {
            do {
                int len = nextLength();
                if (len < 0) return false;
                limit = decrypt(len, plain, 0);
                pos = 0;
            } while (limit == 0);
            return true;
        }

        /** The next frame's plaintext length, -1 at a clean end between two frames. */
        private int nextLength() throws IOException {
            int got = raw.readNBytes(header, 0, HEADER);
            if (got == 0) return -1;
            if (got < HEADER) throw new EOFException("the stream ended inside a frame header");
            int len = ((header[0] & 0xff) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8) | (header[3] & 0xff);
            if (len < 0 || len > max) throw new BulkWire.BadFrame("a sealed frame of " + len + " bytes (at most " + max + ")");
            return len;
        }

        /**
         * Reads the frame of {@code len} plaintext bytes whose header ({@link #header}, its AAD) was just read, checks
         * its tag and opens it into {@code dst}.
         */
        private int decrypt(int len, byte[] dst, int off) throws IOException {
            if (raw.readNBytes(sealed, 0, len + TAG) < len + TAG) throw new EOFException("the stream ended inside a frame");
            try {
                cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG * 8, nonce(frames++)));
                cipher.updateAAD(header, 0, HEADER);
                return cipher.doFinal(sealed, 0, len + TAG, dst, off);
            } catch (AEADBadTagException e) {
                throw new BulkWire.BadFrame("a frame that fails its authentication tag (frame " + (frames - 1) + ")");
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot open a frame: " + e.getMessage(), e);
            }
        }

        @Override public void close() throws IOException { raw.close(); }
    }

    /**
     * Runs a few thousand small frames through both ends, so that the JIT has compiled the AES-GCM path (its
     * intrinsics) before the first image: without it the first ~500 MB of a transfer went at 85–230 MB/s. About
     * 0.3 s of one core, once per agent. Returns the plaintext bytes that came back out of the frames (a failure is
     * only logged: the agent works without the warm-up).
     */
    static long warmUp() {
        long opened = 0;
        try {
            SecretKey k = new SecretKeySpec(new byte[32], "AES");
            byte[] block = new byte[4096];
            for (int round = 0; round < WARM_ROUNDS; round++) {
                var bytes = new ByteArrayOutputStream(600 * (block.length + HEADER + TAG));
                var out = new Out(bytes, k);
                for (int i = 0; i < WARM_FRAMES; i++) {
                    out.write(block);
                    out.flush();
                }
                var in = new In(new ByteArrayInputStream(bytes.toByteArray()), k);
                for (int n; (n = in.read(block)) > 0; ) opened += n;
            }
        } catch (IOException | RuntimeException e) {
            log.debug("sealed frames warm-up: {}", e.toString());
        }
        return opened;
    }
}
