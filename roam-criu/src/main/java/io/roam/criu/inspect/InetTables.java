package io.roam.criu.inspect;

import io.roam.criu.sys.ProcFs;

import java.net.InetAddress;
import java.net.Inet6Address;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** TCP and UDP sockets of a network namespace, from /proc/PID/net/{tcp,tcp6,udp,udp6}, by inode. */
final class InetTables {
    static final int TCP_ESTABLISHED = 0x01;
    static final int TCP_CLOSE = 0x07;
    static final int TCP_LISTEN = 0x0A;

    /** One socket: {@code local}/{@code remote} print as {@code 127.0.0.1:5000} or {@code [::1]:5000}. */
    record InetSock(long ino, boolean tcp, int state, String local, String remote, int localPort) {}

    private InetTables() {}

    static Map<Long, InetSock> sockets(long pid) {
        Map<Long, InetSock> out = new HashMap<>();
        for (String table : List.of("tcp", "tcp6", "udp", "udp6")) {
            List<String> lines = ProcFs.lines(ProcFs.dir(pid).resolve("net").resolve(table));
            for (int i = 1; i < lines.size(); i++) {
                InetSock s = parse(lines.get(i), table.startsWith("tcp"));
                if (s != null && s.ino() != 0) out.put(s.ino(), s);
            }
        }
        return out;
    }

    /** Parses one line of /proc/net/tcp (or tcp6, udp, udp6); null for a malformed line. */
    static InetSock parse(String line, boolean tcp) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 10) return null;
        try {
            String[] local = f[1].split(":");
            String[] remote = f[2].split(":");
            int port = Integer.parseInt(local[1], 16);
            return new InetSock(Long.parseLong(f[9]), tcp, Integer.parseInt(f[3], 16),
                    endpoint(local[0], port), endpoint(remote[0], Integer.parseInt(remote[1], 16)), port);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The kernel prints addresses as 32-bit words in host byte order. */
    static String endpoint(String hex, int port) {
        byte[] raw = HexFormat.of().parseHex(hex);
        byte[] addr = new byte[raw.length];
        boolean swap = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (int w = 0; w < raw.length; w += 4) {
            for (int b = 0; b < 4; b++) addr[w + b] = raw[swap ? w + 3 - b : w + b];
        }
        try {
            InetAddress a = InetAddress.getByAddress(addr);
            String host = a.getHostAddress();
            return (a instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port;
        } catch (UnknownHostException e) {
            return hex + ":" + port;
        }
    }
}
