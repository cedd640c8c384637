package io.roam.criu.inspect;

import io.roam.criu.sys.Libc;
import io.roam.criu.sys.ProcFs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Every unix socket of a network namespace with its peer, from the kernel's sock_diag netlink interface
 * ({@code NETLINK_SOCK_DIAG}, {@code unix_diag}): /proc/net/unix does not say which socket a connected one talks to.
 */
final class UnixDiag {
    /** One unix socket; {@code peer} is the inode of the socket at the other end (0 when not connected). */
    record UnixSock(long ino, int type, int state, long peer, String name) {}

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final int SOCK_DIAG_BY_FAMILY = 20;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLM_F_DUMP = 0x300;
    private static final int NLMSG_ERROR = 2;
    private static final int NLMSG_DONE = 3;
    private static final int AF_UNIX = 1;
    private static final int UDIAG_SHOW_NAME = 1;
    private static final int UDIAG_SHOW_PEER = 4;
    private static final int UNIX_DIAG_NAME = 0;
    private static final int UNIX_DIAG_PEER = 2;
    private static final int BUFFER = 64 * 1024;

    private UnixDiag() {}

    /** The unix sockets of the network namespace {@code pid} lives in, by inode. */
    static Map<Long, UnixSock> sockets(long pid) {
        var mine = ProcFs.namespaceOfSelf("net");
        var theirs = ProcFs.namespace(pid, "net");
        if (theirs.isEmpty() || Objects.equals(mine, theirs)) return query();
        // setns changes only the calling thread: do it on a short-lived platform thread, never on a carrier.
        CompletableFuture<Map<Long, UnixSock>> result = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("roam-unix-diag-" + pid).daemon().start(() -> {
            try {
                int fd = Libc.open(ProcFs.dir(pid).resolve("ns/net").toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
                if (fd < 0) throw new IllegalStateException("cannot open the network namespace of pid " + pid + ": errno " + Libc.lastErrno());
                try {
                    if (Libc.setns(fd, Libc.CLONE_NEWNET) < 0) {
                        throw new IllegalStateException("cannot enter the network namespace of pid " + pid + ": errno " + Libc.lastErrno());
                    }
                } finally {
                    Libc.close(fd);
                }
                result.complete(query());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing unix sockets", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            t.interrupt();
            throw new IllegalStateException("listing the unix sockets of pid " + pid + " took more than 10 s");
        }
    }

    /** Dumps all unix sockets of the calling thread's network namespace. */
    static Map<Long, UnixSock> query() {
        int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, Libc.NETLINK_SOCK_DIAG);
        if (fd < 0) throw new IllegalStateException("cannot open a sock_diag socket: errno " + Libc.lastErrno());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(40, 8);
            req.set(INT, 0, 40);                                  // nlmsg_len
            req.set(SHORT, 4, (short) SOCK_DIAG_BY_FAMILY);       // nlmsg_type
            req.set(SHORT, 6, (short) (NLM_F_REQUEST | NLM_F_DUMP));
            req.set(INT, 8, 1);                                   // nlmsg_seq
            req.set(ValueLayout.JAVA_BYTE, 16, (byte) AF_UNIX);   // sdiag_family
            req.set(INT, 20, -1);                                 // udiag_states: all
            req.set(INT, 28, UDIAG_SHOW_NAME | UDIAG_SHOW_PEER);  // udiag_show
            MemorySegment kernel = arena.allocate(12, 4);
            kernel.set(SHORT, 0, (short) Libc.AF_NETLINK);
            if (Libc.sendto(fd, req, 40, kernel, 12) < 0) {
                throw new IllegalStateException("sock_diag request failed: errno " + Libc.lastErrno());
            }
            MemorySegment buf = arena.allocate(BUFFER, 8);
            Map<Long, UnixSock> out = new HashMap<>();
            while (true) {
                long n = Libc.recv(fd, buf, BUFFER);
                if (n < 0) throw new IllegalStateException("sock_diag reply failed: errno " + Libc.lastErrno());
                if (n == 0 || parse(buf, n, out)) return out;
            }
        } finally {
            Libc.close(fd);
        }
    }

    /** Parses one datagram of netlink messages into {@code out}; true at NLMSG_DONE. */
    private static boolean parse(MemorySegment buf, long n, Map<Long, UnixSock> out) {
        long off = 0;
        while (off + 16 <= n) {
            int len = buf.get(INT, off);
            int type = Short.toUnsignedInt(buf.get(SHORT, off + 4));
            if (len < 16 || off + len > n) return true;
            if (type == NLMSG_DONE) return true;
            if (type == NLMSG_ERROR) {
                int err = -buf.get(INT, off + 16);
                if (err == 0) return true;
                throw new IllegalStateException("sock_diag refused the unix socket dump: errno " + err
                        + " (is the unix_diag module available?)");
            }
            if (len >= 32) out.put(Integer.toUnsignedLong(buf.get(INT, off + 20)), socket(buf, off, len));
            off += align(len);
        }
        return false;
    }

    private static UnixSock socket(MemorySegment buf, long off, int len) {
        int sockType = Byte.toUnsignedInt(buf.get(ValueLayout.JAVA_BYTE, off + 17));
        int state = Byte.toUnsignedInt(buf.get(ValueLayout.JAVA_BYTE, off + 18));
        long ino = Integer.toUnsignedLong(buf.get(INT, off + 20));
        long peer = 0;
        String name = "";
        long a = off + 32;
        while (a + 4 <= off + len) {
            int alen = Short.toUnsignedInt(buf.get(SHORT, a));
            int atype = Short.toUnsignedInt(buf.get(SHORT, a + 2));
            if (alen < 4 || a + alen > off + len) break;
            if (atype == UNIX_DIAG_PEER && alen >= 8) peer = Integer.toUnsignedLong(buf.get(INT, a + 4));
            if (atype == UNIX_DIAG_NAME) name = name(buf.asSlice(a + 4, alen - 4).toArray(ValueLayout.JAVA_BYTE));
            a += align(alen);
        }
        return new UnixSock(ino, sockType, state, peer, name);
    }

    /** Abstract names start with NUL; they print as {@code @name}, like ss(8) does. */
    private static String name(byte[] raw) {
        if (raw.length == 0) return "";
        if (raw[0] == 0) return "@" + new String(raw, 1, raw.length - 1, StandardCharsets.UTF_8).replace('\0', '@');
        int end = 0;
        while (end < raw.length && raw[end] != 0) end++;
        return new String(raw, 0, end, StandardCharsets.UTF_8);
    }

    private static long align(long len) { return (len + 3) & ~3L; }
}
