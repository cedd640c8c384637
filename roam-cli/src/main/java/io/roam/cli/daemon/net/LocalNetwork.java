package io.roam.cli.daemon.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The network of a local cluster ({@code roam up --nodes N}): one bridge {@code rm<id>} on the host holding
 * {@code 10.a.b.1/24} (the coordinator listens there), and per node k a network namespace {@code roam-<id>-nk} joined to
 * the bridge by a veth pair ({@code rv<id>-k} on the host, {@code eth0} inside) with address {@code 10.a.b.(10+k)}.
 * {@code <id>} and the /24 derive from the roam home's path, so two homes on one machine never collide. The layout is
 * saved in {@code run/network} so that {@code roam down} removes what {@code roam up} made. Every step is idempotent.
 *
 * <p>Jobs started with {@code --net} get addresses from a second /24, {@code 10.(a+64).b.0/24} (the bridges' /24s are
 * in 10.64.0.0/10, so the jobs' are in 10.128.0.0/10 and can never be a node's or another home's bridge address). It is
 * routed onto the bridge on the host and onto {@code eth0} in every node: whichever node runs a job answers ARP for its
 * address (proxy ARP, see the agent's JobNetwork), so the host and every node reach the job where it runs now.
 */
public final class LocalNetwork {
    public static final int MAX_NODES = 200;
    private static final String STATE_FILE = "network";

    private final String id;
    private final String subnet; // "10.a.b"
    private final Path stateFile;
    private final IpCommand ip;

    private LocalNetwork(String id, String subnet, Path stateFile, IpCommand ip) {
        this.id = id;
        this.subnet = subnet;
        this.stateFile = stateFile;
        this.ip = ip;
    }

    /** The network of the home whose run directory is {@code runDir}: the saved one, or a new free /24 for it. */
    public static LocalNetwork forHome(Path homeRoot, Path runDir, IpCommand ip) {
        String id = shortId(homeRoot);
        Path state = runDir.resolve(STATE_FILE);
        Optional<LocalNetwork> saved = saved(homeRoot, runDir, ip);
        if (saved.isPresent()) return saved.get();
        byte[] h = sha256(homeRoot.toString());
        int start = ((h[3] & 0x3f) << 8) | (h[4] & 0xff); // 14 bits: 10.64.0.0/10 holds 16384 /24s
        String used = ip.run("-4", "addr").out();
        for (int i = 0; i < 1 << 14; i++) {
            int v = (start + i) & 0x3fff;
            String candidate = "10." + (64 + (v >> 8)) + "." + (v & 0xff);
            if (!used.contains(" " + candidate + ".") && !used.contains(" " + jobSubnetOf(candidate) + ".")) {
                return new LocalNetwork(id, candidate, state, ip);
            }
        }
        throw new IllegalStateException("no free /24 in 10.64.0.0/10 for the local cluster: remove unused addresses (ip -4 addr)");
    }

    /** The network {@code roam up} saved for this home, if any. */
    public static Optional<LocalNetwork> saved(Path homeRoot, Path runDir, IpCommand ip) {
        Path state = runDir.resolve(STATE_FILE);
        try {
            String subnet = Files.readString(state, StandardCharsets.US_ASCII).strip();
            if (!subnet.matches("10\\.\\d{1,3}\\.\\d{1,3}")) throw new IllegalStateException(state + " holds '" + subnet + "', not 10.A.B: remove it");
            return Optional.of(new LocalNetwork(shortId(homeRoot), subnet, state, ip));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + state, e);
        }
    }

    /** First 6 hex digits of the SHA-256 of the home's path. */
    public static String shortId(Path homeRoot) { return HexFormat.of().formatHex(sha256(homeRoot.toString())).substring(0, 6); }

    public String bridge() { return "rm" + id; }

    public String namespace(int node) { return "roam-" + id + "-n" + node; }

    String hostVeth(int node) { return "rv" + id + "-" + node; }

    /** The host's address on the bridge, where the coordinator listens. */
    public String hostAddress() { return subnet + ".1"; }

    public String nodeAddress(int node) { return subnet + "." + (10 + node); }

    /** The /24 --net jobs get their addresses from, as CIDR. */
    public String jobNet() { return jobSubnetOf(subnet) + ".0/24"; }

    static String jobSubnetOf(String subnet) {
        String[] p = subnet.split("\\.");
        return p[0] + "." + (Integer.parseInt(p[1]) + 64) + "." + p[2];
    }

    /** Creates the bridge and the namespaces of nodes 1..count (those that exist are left as they are). */
    public void create(int count) {
        if (count < 1 || count > MAX_NODES) throw new IllegalArgumentException("nodes must be 1-" + MAX_NODES + ", not " + count);
        save();
        if (!ip.ok("link", "show", "dev", bridge())) {
            ip.check("link", "add", bridge(), "type", "bridge");
        }
        if (!ip.run("-4", "addr", "show", "dev", bridge()).out().contains(" " + hostAddress() + "/24")) {
            ip.check("addr", "add", hostAddress() + "/24", "dev", bridge());
        }
        ip.check("link", "set", bridge(), "up");
        ip.check("route", "replace", jobNet(), "dev", bridge());
        for (int k = 1; k <= count; k++) createNode(k);
    }

    private void createNode(int k) {
        String ns = namespace(k);
        if (!namespaces().contains(ns)) ip.check("netns", "add", ns);
        if (!ip.ok("link", "show", "dev", hostVeth(k))) {
            if (ip.ok("-n", ns, "link", "show", "dev", "eth0")) ip.check("-n", ns, "link", "del", "eth0"); // orphaned peer
            ip.check("link", "add", hostVeth(k), "type", "veth", "peer", "name", "eth0", "netns", ns);
        }
        ip.check("link", "set", hostVeth(k), "master", bridge(), "up");
        if (!ip.run("-n", ns, "-4", "addr", "show", "dev", "eth0").out().contains(" " + nodeAddress(k) + "/24")) {
            ip.check("-n", ns, "addr", "add", nodeAddress(k) + "/24", "dev", "eth0");
        }
        ip.check("-n", ns, "link", "set", "eth0", "up");
        ip.check("-n", ns, "link", "set", "lo", "up");
        ip.check("-n", ns, "route", "replace", jobNet(), "dev", "eth0");
    }

    /** This home's node namespaces that exist now, by node number. */
    public List<Integer> nodes() {
        String prefix = "roam-" + id + "-n";
        var out = new ArrayList<Integer>();
        for (String ns : namespaces()) {
            if (ns.startsWith(prefix) && ns.substring(prefix.length()).matches("\\d{1,3}")) out.add(Integer.parseInt(ns.substring(prefix.length())));
        }
        out.sort(null);
        return out;
    }

    /** PIDs of the processes that still live in node k's namespace. */
    public List<Long> pids(int node) {
        var out = new ArrayList<Long>();
        for (String l : ip.run("netns", "pids", namespace(node)).out().split("\n")) {
            if (l.strip().matches("\\d+")) out.add(Long.parseLong(l.strip()));
        }
        return out;
    }

    /**
     * Removes every node namespace (with its veth pair), the bridge and the saved layout. Call only once no process
     * lives in the namespaces ({@link #pids}).
     */
    public void destroy() {
        for (int k : nodes()) {
            ip.check("netns", "del", namespace(k));
            removeLink(hostVeth(k)); // usually gone with its peer already, but the kernel removes it asynchronously
        }
        removeLink(bridge());
        try {
            Files.deleteIfExists(stateFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + stateFile, e);
        }
    }

    private void removeLink(String name) {
        if (ip.run("link", "del", name).exit() != 0 && ip.ok("link", "show", "dev", name)) {
            ip.check("link", "del", name);
        }
    }

    /** Whether the bridge exists now. */
    public boolean exists() { return ip.ok("link", "show", "dev", bridge()); }

    private List<String> namespaces() {
        var out = new ArrayList<String>();
        for (String l : ip.run("netns", "list").out().split("\n")) {
            if (!l.isBlank()) out.add(l.strip().split("\\s+")[0]);
        }
        return out;
    }

    private void save() {
        try {
            Files.createDirectories(stateFile.getParent());
            Files.writeString(stateFile, subnet + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + stateFile, e);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
