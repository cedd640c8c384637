package io.roam.cli.daemon;

import io.roam.cli.daemon.net.IpCommand;
import io.roam.cli.daemon.net.LocalNetwork;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A local cluster on this machine: the coordinator on the bridge's host address, and agents n1…nN, each in its own
 * network namespace (see {@link LocalNetwork}).
 */
record LocalCluster(RoamHome home, LocalNetwork network, int size, IpCommand ip) {
    /**
     * The cluster {@code roam up} should run: {@code --nodes N} asks for one; without it, the one an earlier
     * {@code roam up --nodes} left (its network is still there) is brought back; otherwise none.
     */
    static Optional<LocalCluster> plan(RoamHome home, Integer nodes, IpCommand ip) {
        if (nodes != null) {
            if (nodes < 1 || nodes > LocalNetwork.MAX_NODES) {
                throw new IllegalArgumentException("--nodes must be between 1 and " + LocalNetwork.MAX_NODES + ", not " + nodes);
            }
            return Optional.of(new LocalCluster(home, LocalNetwork.forHome(home.root(), home.runDir(), ip), nodes, ip));
        }
        return LocalNetwork.saved(home.root(), home.runDir(), ip).flatMap(n -> {
            int size = n.nodes().stream().mapToInt(Integer::intValue).max().orElse(0);
            return size == 0 ? Optional.empty() : Optional.of(new LocalCluster(home, n, size, ip));
        });
    }

    void createNetwork() { network.create(size); }

    Daemon coordinator() {
        return Daemon.coordinator(home, network.hostAddress() + ":0").withArgs(List.of("--job-net", network.jobNet()));
    }

    List<Daemon> agents() {
        var out = new ArrayList<Daemon>();
        for (int k = 1; k <= size; k++) {
            out.add(Daemon.agentIn(home, NodeId.of("n" + k), ip.binary(), network.namespace(k), network.nodeAddress(k)));
        }
        return out;
    }
}
