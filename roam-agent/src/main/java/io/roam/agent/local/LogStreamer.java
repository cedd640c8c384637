package io.roam.agent.local;

import com.google.protobuf.ByteString;
import io.roam.proto.LocalReply;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/** Copies a job's spool files (out, err) to a reader, and with follow keeps going until the job has ended. */
public final class LogStreamer {
    private static final int CHUNK = 64 * 1024;

    /** Where the bytes go: the CLI's socket, or another agent's ReadLogs stream. */
    @FunctionalInterface
    public interface Sink {
        void accept(boolean stdout, ByteString bytes) throws IOException;
    }

    private LogStreamer() {}

    /** A sink writing to the CLI. */
    public static Sink to(LocalServer.ReplyWriter out) {
        return (stdout, bytes) -> out.send(stdout ? LocalReply.newBuilder().setOut(bytes).build() : LocalReply.newBuilder().setErr(bytes).build());
    }

    /**
     * Streams what the files hold from {@code offsets} (out, err; advanced as bytes go out, so that a reader can resume
     * elsewhere); with {@code ended} non-null, polls for more until it answers true, then drains.
     */
    public static void stream(Path spool, boolean stdout, boolean stderr, BooleanSupplier ended, Sink out, long[] offsets)
            throws IOException, InterruptedException {
        while (true) {
            boolean done = ended == null || ended.getAsBoolean();
            boolean any = false;
            if (stdout) any |= copy(spool.resolve("out"), offsets, 0, out);
            if (stderr) any |= copy(spool.resolve("err"), offsets, 1, out);
            if (done && !any) return;
            if (!any) Thread.sleep(100);
        }
    }

    private static boolean copy(Path file, long[] offsets, int which, Sink out) throws IOException {
        if (!Files.exists(file)) return false;
        boolean any = false;
        try (var raf = new RandomAccessFile(file.toFile(), "r")) {
            long len = raf.length();
            if (len < offsets[which]) offsets[which] = 0;   // truncated by someone: start over
            raf.seek(offsets[which]);
            byte[] buf = new byte[CHUNK];
            while (offsets[which] < len) {
                int n = raf.read(buf, 0, (int) Math.min(buf.length, len - offsets[which]));
                if (n <= 0) break;
                offsets[which] += n;
                out.accept(which == 0, ByteString.copyFrom(buf, 0, n));
                any = true;
            }
        } catch (java.io.FileNotFoundException e) {
            return false; // the job moved away and its copy here was dropped
        }
        return any;
    }
}
