package io.roam.core.net;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * How a --net job's address is plumbed behind the node it runs on, as {@code ip} argument lists (pure, so that the
 * plan is tested apart from running it):
 * <ul>
 * <li>a network namespace, named {@code roamj-<hex of the address>} only while roam sets it up (the job's processes
 * hold it afterwards, so it goes away with them and nothing is left behind when a job dies);</li>
 * <li>a veth pair: {@code rj<hex>} in the node's namespace, {@code eth0} in the job's, holding the address as a /32,
 * with loopback up and an on-link default route (every neighbour is answered by the node, proxy ARP);</li>
 * <li>a /32 route to the address over {@code rj<hex>} in the node's namespace, added last ({@link #activate}): with
 * proxy ARP on the node's uplink
 * (and forwarding on), the node answers ARP for the job's address on the cluster network, so traffic to it reaches
 * whichever node the job runs on now.</li>
 * </ul>
 */
public record JobNetPlan(String address) {
    /** The key CRIU's {@code --external net[INODE]:KEY} and {@code --inherit-fd fd[N]:KEY} use for the job's namespace. */
    public static final String CRIU_KEY = "jobnet";

    public JobNetPlan {
        Ipv4.parse(address);
    }

    public String namespace() { return "roamj-" + Ipv4.hex(address); }

    /** The node side of the veth pair. */
    public String nodeVeth() { return "rj" + Ipv4.hex(address); }

    /** The namespace's file while it is named (ip netns). */
    public String namespacePath() { return "/run/netns/" + namespace(); }

    /**
     * The node's side, run in the node's namespace first (one {@code ip -batch}): the namespace and the veth pair with
     * its far end moved into it. The node's end stays down, and unrouted, until {@link #activate}.
     */
    public List<List<String>> nodeSide() {
        String ns = namespace(), veth = nodeVeth();
        return List.of(
                List.of("netns", "add", ns),
                List.of("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns));
    }

    /**
     * Puts the address on the cluster network: the node's end of the veth up and the /32 route over it. Only once the
     * job's sockets exist again (after CRIU's restore): a packet of a peer that arrived before would meet an empty
     * namespace holding the address, which answers with a reset and breaks the connection being moved.
     */
    public List<List<String>> activate() {
        String veth = nodeVeth();
        return List.of(
                List.of("link", "set", veth, "up"),
                List.of("route", "replace", address + "/32", "dev", veth));
    }

    /**
     * Takes the address off the cluster network while the job's tree stays in its namespace: the node's end of the
     * veth down (the kernel drops the /32 route over it). For a job frozen on this node while another node takes it
     * (post-copy): neither this node's route nor its proxy ARP draws the peers' packets here any more; {@link #activate}
     * puts it back if the move is given up.
     */
    public List<List<String>> deactivate() { return List.of(List.of("link", "set", nodeVeth(), "down")); }

    /** The job's side, run inside the job's namespace ({@code ip -n NS -batch}): loopback, the address, the default route. */
    public List<List<String>> jobSide() {
        return List.of(
                List.of("link", "set", "lo", "up"),
                List.of("addr", "add", address + "/32", "dev", "eth0"),
                List.of("link", "set", "eth0", "up"),
                List.of("route", "add", "default", "dev", "eth0"));
    }

    /** Forgets the namespace's name (the job's processes keep the namespace itself). */
    public List<String> unname() { return List.of("netns", "del", namespace()); }

    /** Removes the plumbing on this node: the veth pair (its route goes with it). */
    public List<String> unplumb() { return List.of("link", "del", nodeVeth()); }

    /** {@code ip} arguments that list this node's IPv4 routes covering the address, one per line ({@link #uplinks}). */
    public List<String> coveringRoutes() { return List.of("-o", "-4", "route", "show", "match", address); }

    /**
     * The interfaces that {@link #coveringRoutes} name, other than the job's own veth and loopback: where this node
     * would reach the address if the job were not here, so where the neighbours are that may still send its traffic to
     * the node it ran on before (the bridge's {@code eth0} on the local cluster; the default route's device on a host).
     */
    public List<String> uplinks(String routes) {
        var devs = new LinkedHashSet<String>();
        for (String line : routes.split("\n")) {
            String[] w = line.strip().split("\\s+");
            for (int i = 0; i + 1 < w.length; i++) {
                if (w[i].equals("dev") && !w[i + 1].equals(nodeVeth()) && !w[i + 1].equals("lo")) devs.add(w[i + 1]);
            }
        }
        return List.copyOf(devs);
    }

    /**
     * {@code arping} arguments for a gratuitous ARP on {@code dev}: an unsolicited request from the address for itself,
     * twice, a second apart. Every neighbour that holds an entry for the address (a peer still sending to the node the
     * job left, even one whose TCP traffic keeps that stale entry confirmed) takes this node's hardware address from it.
     * arping binds the address as its source, which is not local here: needs {@link #NONLOCAL_BIND}.
     */
    public List<String> announce(String dev) { return List.of("-U", "-q", "-c", "2", "-I", dev, address); }

    /** The sysctl (under /proc/sys, per network namespace) that lets arping send from the job's address on this node. */
    public static final String NONLOCAL_BIND = "net/ipv4/ip_nonlocal_bind";

    /** Sysctls (paths under /proc/sys) for the node's namespace and the new veth: forwarding and proxy ARP, at once. */
    public List<String> nodeSysctls() {
        String veth = nodeVeth();
        return List.of("net/ipv4/ip_forward", "net/ipv4/conf/all/proxy_arp", "net/ipv4/conf/" + veth + "/proxy_arp");
    }
}
