package io.roam.agent.transfer;

/**
 * Watches the bytes a target's lazy-pages daemon sends to the source's criu and says whether they ended with the
 * daemon's own goodbye: criu's page-server command {@code PS_IOV_CLOSE} or {@code PS_IOV_FORCE_CLOSE} (criu
 * {@code page-xfer.c}: a {@code struct page_server_iov} of 32 bytes on x86-64, {@code u32 cmd}, 4 bytes of padding,
 * then {@code u64 nr_pages, vaddr, dst_id}, all zero for a close). The daemon sends it once its requests are over,
 * whether every page arrived or not; a connection that ends without it was cut (the target's agent or node went
 * away). criu's source page server cannot tell the two apart: it exits 0 on a bare end of stream.
 *
 * <p>Pure: fed every chunk of that direction in order; the last 32 bytes decide.
 */
final class PageServerClose {
    static final int PSI = 32;
    static final int CLOSE = 0x1023, FORCE_CLOSE = 0x1024;
    private final byte[] tail = new byte[PSI];
    private long seen;

    /** The next {@code n} bytes of the stream. */
    synchronized void seen(byte[] b, int off, int n) {
        if (n >= PSI) {
            System.arraycopy(b, off + n - PSI, tail, 0, PSI);
        } else if (n > 0) {
            System.arraycopy(tail, n, tail, 0, PSI - n);
            System.arraycopy(b, off, tail, PSI - n, n);
        }
        seen += Math.max(0, n);
    }

    /** True when the bytes so far end with a close command. */
    synchronized boolean endsWithClose() {
        if (seen < PSI) return false;
        int cmd = (tail[0] & 0xff) | (tail[1] & 0xff) << 8 | (tail[2] & 0xff) << 16 | (tail[3] & 0xff) << 24;
        if (cmd != CLOSE && cmd != FORCE_CLOSE) return false;
        for (int i = 8; i < PSI; i++) if (tail[i] != 0) return false;   // nr_pages, vaddr, dst_id
        return true;
    }
}
