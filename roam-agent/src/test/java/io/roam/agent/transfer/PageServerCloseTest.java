package io.roam.agent.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class PageServerCloseTest {
    /** A {@code struct page_server_iov} as criu writes it on x86-64. */
    static byte[] psi(int cmd, long nrPages, long vaddr, long dstId) {
        return ByteBuffer.allocate(PageServerClose.PSI).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(cmd).putInt(0).putLong(nrPages).putLong(vaddr).putLong(dstId).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer b = ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) b.put(p);
        return b.array();
    }

    private static PageServerClose fed(byte[] stream, int chunk) {
        PageServerClose w = new PageServerClose();
        for (int off = 0; off < stream.length; off += chunk) w.seen(stream, off, Math.min(chunk, stream.length - off));
        return w;
    }

    @Test
    void requestsThenACloseEndWithTheCloseInChunksOfAnySize() {
        byte[] get = psi(7, 16, 0x7f00_0000_1000L, 0x1234);
        for (int cmd : new int[] {PageServerClose.CLOSE, PageServerClose.FORCE_CLOSE}) {
            byte[] stream = concat(get, get, get, psi(cmd, 0, 0, 0));
            for (int chunk : new int[] {1, 3, 7, 32, 33, 64, stream.length}) {
                assertThat(fed(stream, chunk).endsWithClose()).as("cmd %x in chunks of %d", cmd, chunk).isTrue();
            }
        }
    }

    @Test
    void aStreamCutAfterRequestsOrInsideTheCloseOrEmptyDoesNot() {
        byte[] get = psi(7, 16, 0x7f00_0000_1000L, 0x1234);
        byte[] close = psi(PageServerClose.FORCE_CLOSE, 0, 0, 0);
        assertThat(fed(concat(get, get), 5).endsWithClose()).isFalse();
        assertThat(fed(concat(get, java.util.Arrays.copyOf(close, 31)), 4).endsWithClose()).isFalse();
        assertThat(new PageServerClose().endsWithClose()).isFalse();
        assertThat(fed(java.util.Arrays.copyOf(close, 31), 31).endsWithClose()).as("fewer than 32 bytes in all").isFalse();
        // a close followed by more bytes is not the end; a request that merely carries the close's number is not a close
        assertThat(fed(concat(close, get), 9).endsWithClose()).isFalse();
        assertThat(fed(psi(PageServerClose.CLOSE, 1, 0, 0), 32).endsWithClose()).isFalse();
        assertThat(fed(psi(PageServerClose.CLOSE | 1 << 16, 0, 0, 0), 32).endsWithClose()).as("flags in the upper bits").isFalse();
    }
}
