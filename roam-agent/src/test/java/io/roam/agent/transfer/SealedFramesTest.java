package io.roam.agent.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The sealed frames' record layer on its own, in memory: what goes in comes out, and nothing else does. */
class SealedFramesTest {
    private static final SecretKey KEY = key(1), OTHER = key(2);

    private static SecretKey key(int seed) {
        byte[] k = new byte[32];
        new Random(seed).nextBytes(k);
        return new SecretKeySpec(k, "AES");
    }

    private static byte[] data(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    /** Writes the pieces (a flush after each) and returns the sealed bytes. */
    private static byte[] seal(SecretKey key, byte[]... pieces) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new SealedFrames.Out(bytes, key);
        for (byte[] p : pieces) {
            out.write(p);
            out.flush();
        }
        return bytes.toByteArray();
    }

    private static byte[] open(SecretKey key, byte[] sealed) throws IOException {
        return new SealedFrames.In(new ByteArrayInputStream(sealed), key).readAllBytes();
    }

    @Test
    void aLargeWriteIsSealedFromTheCallersBytesInFramesOfItsOwn() throws IOException {
        int f = SealedFrames.FRAME;
        byte[] header = data(100), body = data(f + 10), small = data(5), slice = data(SealedFrames.DIRECT);
        var bytes = new ByteArrayOutputStream();
        var out = new SealedFrames.Out(bytes, KEY);
        out.write(header);   // buffered
        out.write(body);     // the header as a frame of its own, then f bytes, then the last 10: no copy of the body
        out.write(small);    // buffered
        out.write(slice);    // the 5 as a frame, then the slice as one
        out.flush();
        var expected = new ByteArrayOutputStream();
        for (byte[] p : new byte[][] {header, body, small, slice}) expected.write(p);
        byte[] sealed = bytes.toByteArray();
        assertThat(open(KEY, sealed)).isEqualTo(expected.toByteArray());
        int[] frames = {100, f, 10, 5, SealedFrames.DIRECT};
        assertThat(sealed.length).isEqualTo(expected.size() + 20 * frames.length);
        int at = 0;
        for (int len : frames) {
            assertThat(java.nio.ByteBuffer.wrap(sealed, at, 4).getInt()).as("frame length at %d", at).isEqualTo(len);
            at += 4 + len + 16;
        }
    }

    @Test
    void whatGoesInComesOutAcrossFrameBoundaries() throws IOException {
        int f = SealedFrames.FRAME;
        byte[][] pieces = {data(1), data(f - 1), data(f), data(f + 1), data(3 * f + 17), new byte[0]};
        var expected = new ByteArrayOutputStream();
        for (byte[] p : pieces) expected.write(p);
        byte[] sealed = seal(KEY, pieces);
        assertThat(open(KEY, sealed)).isEqualTo(expected.toByteArray());
        // each frame costs its 4-byte length and 16-byte tag, nothing more: the ciphertext is the plaintext's size
        int frames = 1 + 1 + 1 + 2 + 4;
        assertThat(sealed.length).isEqualTo(expected.size() + 20 * frames);
        // and it is not the plaintext
        assertThat(Arrays.equals(sealed, 4, 4 + f - 1, pieces[1], 0, f - 1)).isFalse();
    }

    @Test
    void readsOfEverySizeGetTheSameBytesWhetherAFrameOpensIntoTheirArrayOrIsCopied() throws IOException {
        int f = SealedFrames.FRAME;
        byte[][] pieces = {data(f + 1), data(5), data(2 * f), new byte[0], data(f - 3), data(f)};
        var expected = new ByteArrayOutputStream();
        for (byte[] p : pieces) expected.write(p);
        byte[] sealed = seal(KEY, pieces);
        // 1 byte (the buffered path), less than a frame, exactly a frame, more than a frame (opened in place)
        int[] sizes = {1, 1000, f, 3 * f, 7, f + 5};
        var in = new SealedFrames.In(new ByteArrayInputStream(sealed), KEY);
        var got = new ByteArrayOutputStream();
        byte[] buf = new byte[4 * f];
        for (int i = 0; ; i++) {
            int want = sizes[i % sizes.length];
            int off = i % 3;   // not only at the array's start
            int n = in.read(buf, off, want);
            if (n < 0) break;
            assertThat(n).isBetween(1, want);
            got.write(buf, off, n);
        }
        assertThat(got.toByteArray()).isEqualTo(expected.toByteArray());
        // readNBytes into one big array takes whole frames in place, and ends exactly at the stream's end
        var whole = new byte[expected.size() + 10];
        assertThat(new SealedFrames.In(new ByteArrayInputStream(sealed), KEY).readNBytes(whole, 0, whole.length)).isEqualTo(expected.size());
        assertThat(Arrays.copyOf(whole, expected.size())).isEqualTo(expected.toByteArray());
    }

    @Test
    void singleByteWritesAndReadsWork() throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new SealedFrames.Out(bytes, KEY);
        for (int i = 0; i < 300; i++) out.write(i);
        out.flush();
        var in = new SealedFrames.In(new ByteArrayInputStream(bytes.toByteArray()), KEY);
        for (int i = 0; i < 300; i++) assertThat(in.read()).isEqualTo(i & 0xff);
        assertThat(in.read()).isEqualTo(-1);
    }

    @Test
    void aFlippedBitAnotherKeyReorderedOrReplayedFramesFailTheirTag() throws IOException {
        byte[] a = data(1000), b = data(2000);
        byte[] sealed = seal(KEY, a, b);
        int first = 4 + a.length + 16;
        byte[] flipped = sealed.clone();
        flipped[10] ^= 0x40;
        assertThatThrownBy(() -> open(KEY, flipped)).hasMessageContaining("fails its authentication tag (frame 0)");
        assertThatThrownBy(() -> open(OTHER, sealed)).hasMessageContaining("fails its authentication tag");
        // the second frame first: its nonce is frame 1's
        byte[] swapped = new byte[sealed.length];
        System.arraycopy(sealed, first, swapped, 0, sealed.length - first);
        System.arraycopy(sealed, 0, swapped, sealed.length - first, first);
        assertThatThrownBy(() -> open(KEY, swapped)).hasMessageContaining("fails its authentication tag (frame 0)");
        // the first frame twice: the copy is opened as frame 1 and fails
        byte[] replayed = new byte[2 * first];
        System.arraycopy(sealed, 0, replayed, 0, first);
        System.arraycopy(sealed, 0, replayed, first, first);
        assertThatThrownBy(() -> open(KEY, replayed)).hasMessageContaining("fails its authentication tag (frame 1)");
        // a changed length (the AAD) fails too, even when the bytes it covers are there
        byte[] relength = sealed.clone();
        relength[3] = (byte) (relength[3] - 1);
        assertThatThrownBy(() -> open(KEY, relength)).hasMessageContaining("fails its authentication tag");
    }

    @Test
    void aCutStreamIsAnErrorAndATooLongFrameIsRefusedBeforeItIsRead() throws IOException {
        byte[] sealed = seal(KEY, data(5000));
        assertThatThrownBy(() -> open(KEY, Arrays.copyOf(sealed, 2))).isInstanceOf(EOFException.class).hasMessageContaining("frame header");
        assertThatThrownBy(() -> open(KEY, Arrays.copyOf(sealed, sealed.length - 1))).isInstanceOf(EOFException.class)
                .hasMessageContaining("inside a frame");
        byte[] huge = {0x00, 0x10, 0x00, 0x01};   // 1 MiB + 1
        assertThatThrownBy(() -> open(KEY, huge)).isInstanceOf(BulkWire.BadFrame.class).hasMessageContaining("a sealed frame of 1048577 bytes");
        // an empty stream is a clean end
        assertThat(open(KEY, new byte[0])).isEmpty();
        // a reader for small frames (the reply's) refuses a full-size one
        byte[] big = seal(KEY, data(SealedFrames.REPLY_FRAME + 1));
        assertThatThrownBy(() -> new SealedFrames.In(new ByteArrayInputStream(big), KEY, SealedFrames.REPLY_FRAME).readAllBytes())
                .isInstanceOf(BulkWire.BadFrame.class).hasMessageContaining("(at most 65536)");
    }

    @Test
    void smallFramesCarryALongMessageInPieces() throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new SealedFrames.Out(bytes, KEY, SealedFrames.REPLY_FRAME);
        byte[] msg = data(3 * SealedFrames.REPLY_FRAME + 5);
        out.write(msg);
        out.flush();
        assertThat(bytes.size()).isEqualTo(msg.length + 4 * 20);
        assertThat(new SealedFrames.In(new ByteArrayInputStream(bytes.toByteArray()), KEY, SealedFrames.REPLY_FRAME).readAllBytes())
                .isEqualTo(msg);
    }

    @Test
    void theWarmUpRunsEveryFrameThroughBothEnds() {
        // every frame it sealed came back open: the warm-up ran the whole path, not a failure it only logged
        assertThat(SealedFrames.warmUp()).isEqualTo((long) SealedFrames.WARM_ROUNDS * SealedFrames.WARM_FRAMES * 4096);
    }
}
