package io.roam.agent.transfer;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.UnsafeByteOperations;
import io.roam.proto.ImageChunk;
import io.roam.rpc.Tls;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The bulk data path's wire format, shared by {@link BulkServer} and {@link BulkLink}: a TLS 1.3 handshake (AES-GCM
 * suites only, the client's certificate required, ALPN {@value #ALPN}), one byte each way over TLS to switch over,
 * then {@link SealedFrames} on the TCP socket, keyed from that TLS session. Inside them, varint-length-delimited
 * protobuf messages: the source sends {@link ImageChunk}s exactly as on gRPC's Transfer.Receive, the target answers
 * with one {@link io.roam.proto.ReceiveReply}. A message longer than {@link #MAX_FRAME} (gRPC's limit for roam's
 * messages) or one that does not parse is refused before it is used.
 *
 * <p>The switch-over byte is what makes the hand-over exact: the source sends its first sealed frame only after it
 * has read the target's switch byte through TLS, so every TLS record the target sent before (its session tickets)
 * has been consumed by JSSE, which reads whole records and nothing past them; the target reads sealed frames only
 * after the source's switch byte, the last TLS record the source sends.
 */
final class BulkWire {
    static final String ALPN = "roam-image/2";
    /** A post-copy's page traffic relayed between two agents ({@link PageRelay}): criu's page-server protocol inside. */
    static final String PAGES_ALPN = "roam-pages/1";
    private static final int SWITCH = 0x5e;
    static final int MAX_FRAME = Tls.MAX_MESSAGE_BYTES;
    private static final String[] PROTOCOLS = {"TLSv1.3"};
    private static final String[] CIPHERS = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"};

    /** A frame that is not an image chunk: too long, truncated inside its length, or not a protobuf message. */
    static final class BadFrame extends IOException {
        BadFrame(String why) { super(why); }
    }

    private BulkWire() {}

    /** The streams of one connection after the switch-over: sealed frames in and out on the TCP socket. */
    record Sealed(InputStream in, OutputStream out) {}

    /** The source's end of an image stream: big frames out, the target's small reply in. */
    static Sealed sourceSwitch(Socket raw, SSLSocket tls) throws IOException {
        return clientSwitch(raw, tls, SealedFrames.REPLY_FRAME, SealedFrames.FRAME);
    }

    /** The target's end of an image stream: big frames in, small frames out. */
    static Sealed targetSwitch(Socket raw, SSLSocket tls) throws IOException {
        return serverSwitch(raw, tls, SealedFrames.FRAME, SealedFrames.REPLY_FRAME);
    }

    /**
     * The connecting end: sends the switch byte, waits for the server's, then seals with the client's key; accepts
     * frames of up to {@code inMax} bytes and writes frames of up to {@code outFrame}.
     */
    static Sealed clientSwitch(Socket raw, SSLSocket tls, int inMax, int outFrame) throws IOException {
        tls.getOutputStream().write(SWITCH);
        tls.getOutputStream().flush();
        int b = tls.getInputStream().read();
        if (b != SWITCH) throw new IOException("the target did not switch to sealed frames (" + b + ")");
        return new Sealed(new SealedFrames.In(raw.getInputStream(), SealedFrames.key(tls.getSession(), SealedFrames.TARGET_LABEL), inMax),
                new SealedFrames.Out(raw.getOutputStream(), SealedFrames.key(tls.getSession(), SealedFrames.SOURCE_LABEL), outFrame));
    }

    /** The accepting end: waits for the client's switch byte, answers it, then seals with the server's key. */
    static Sealed serverSwitch(Socket raw, SSLSocket tls, int inMax, int outFrame) throws IOException {
        int b = tls.getInputStream().read();
        if (b != SWITCH) throw new BadFrame("a stream that does not switch to sealed frames (" + b + ")");
        tls.getOutputStream().write(SWITCH);
        tls.getOutputStream().flush();
        return new Sealed(new SealedFrames.In(raw.getInputStream(), SealedFrames.key(tls.getSession(), SealedFrames.SOURCE_LABEL), inMax),
                new SealedFrames.Out(raw.getOutputStream(), SealedFrames.key(tls.getSession(), SealedFrames.TARGET_LABEL), outFrame));
    }

    /** The TLS parameters of a client speaking {@code alpn}. */
    static SSLParameters parameters(SSLParameters p, String alpn) {
        p.setProtocols(PROTOCOLS);
        p.setCipherSuites(CIPHERS);
        p.setApplicationProtocols(new String[] {alpn});
        return p;
    }

    /** The TLS parameters of an image source's client. */
    static SSLParameters parameters(SSLParameters p) { return parameters(p, ALPN); }

    /** The server's: both protocols; it additionally requires the client's certificate. */
    static SSLParameters serverParameters(SSLParameters p) {
        parameters(p, ALPN);
        p.setApplicationProtocols(new String[] {ALPN, PAGES_ALPN});
        p.setNeedClientAuth(true);
        return p;
    }

    /**
     * Opens a mutual-TLS connection to an agent's bulk socket speaking {@code alpn}, within {@code timeout}; the
     * handshake's socket is returned for its session (keys), never to be written again.
     */
    static SSLSocket connect(Socket raw, javax.net.ssl.SSLContext ssl, String host, int port, String alpn, java.time.Duration timeout)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        raw.setTcpNoDelay(true);
        raw.connect(new java.net.InetSocketAddress(host, port), (int) timeout.toMillis());
        raw.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        var tls = (SSLSocket) ssl.getSocketFactory().createSocket(raw, host, port, false);
        tls.setSSLParameters(parameters(tls.getSSLParameters(), alpn));
        tls.startHandshake();
        if (!alpn.equals(tls.getApplicationProtocol())) {
            throw new IOException(host + ":" + port + " does not speak " + alpn + " (ALPN '" + tls.getApplicationProtocol() + "')");
        }
        return tls;
    }

    /**
     * The reader of one connection's chunks into one buffer it reuses: a chunk's bytes alias that buffer (no copy of
     * 4 MiB into a new array, none into the message), so a chunk is valid only until the next {@link #next()}; the
     * target's receiver writes each one to its file before it reads the next.
     */
    static final class ChunkReader {
        private final InputStream in;
        private byte[] body = new byte[0];

        ChunkReader(InputStream in) { this.in = in; }

        /** The next chunk, or null at a clean end of the stream (between two frames). */
        ImageChunk next() throws IOException {
            int first = in.read();
            if (first < 0) return null;
            long len = readVarint(first, in);
            if (len > MAX_FRAME) throw new BadFrame("a frame of " + len + " bytes (at most " + MAX_FRAME + ")");
            if (body.length < len) body = new byte[(int) Math.max(len, Math.min(MAX_FRAME, 2L * body.length))];
            if (in.readNBytes(body, 0, (int) len) < len) throw new EOFException("the stream ended inside a frame");
            try {
                // Aliasing needs an input the parser may treat as immutable: the wrapped buffer is, until the next read.
                CodedInputStream cin = UnsafeByteOperations.unsafeWrap(body, 0, (int) len).newCodedInput();
                cin.enableAliasing(true);
                return ImageChunk.parseFrom(cin);
            } catch (InvalidProtocolBufferException e) {
                throw new BadFrame("a frame that is not an image chunk (" + e.getMessage() + ")");
            }
        }
    }

    private static long readVarint(int first, InputStream in) throws IOException {
        long v = first & 0x7f;
        int b = first;
        for (int shift = 7; (b & 0x80) != 0; shift += 7) {
            if (shift > 35) throw new BadFrame("a frame length that is not a varint");
            b = in.read();
            if (b < 0) throw new EOFException("the stream ended inside a frame length");
            v |= (long) (b & 0x7f) << shift;
        }
        return v;
    }

    static void write(MessageLite m, OutputStream out) throws IOException {
        m.writeDelimitedTo(out);
        out.flush();
    }
}
