package io.roam.core.net;

/** Dotted-quad IPv4 addresses as ints. */
public final class Ipv4 {
    private Ipv4() {}

    public static int parse(String s) {
        String[] p = s.split("\\.", -1);
        if (p.length != 4) throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
        int v = 0;
        for (String part : p) {
            if (!part.matches("\\d{1,3}") || Integer.parseInt(part) > 255) throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
            v = (v << 8) | Integer.parseInt(part);
        }
        return v;
    }

    public static String format(int a) {
        return ((a >>> 24) & 0xff) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }

    /** Eight hex digits, for interface and namespace names (IFNAMSIZ allows 15 characters). */
    public static String hex(String address) { return String.format("%08x", parse(address)); }
}
