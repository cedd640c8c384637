package io.roam.rpc;

/** {@code HOST:PORT}, with {@code [v6]:PORT} for IPv6 literals. */
public record HostPort(String host, int port) {
    public HostPort {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("empty host in address");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " is out of range 0-65535");
    }

    public static HostPort parse(String s) {
        int colon = s == null ? -1 : s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("invalid address '" + s + "': expected HOST:PORT, e.g. 127.0.0.1:7070");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        try {
            return new HostPort(host, Integer.parseInt(s.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid port in '" + s + "': expected HOST:PORT, e.g. 127.0.0.1:7070", e);
        }
    }

    @Override public String toString() { return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port; }
}
