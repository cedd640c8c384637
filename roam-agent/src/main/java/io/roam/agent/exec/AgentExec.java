package io.roam.agent.exec;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.roam.agent.local.LocalServer;
import io.roam.agent.rpc.CoordinatorLink;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import io.roam.nativebin.NativeBinaries;
import io.roam.proto.NodeInfo;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code roam exec} on one agent: the gRPC service peers call ({@link #service()}), the handler for the CLI's socket
 * ({@link #localHandler}), and the mTLS channels to peers, kept open between commands.
 */
public final class AgentExec implements AutoCloseable {
    /** The native launcher and client, packaged by roam-native. */
    public static final String BINARY = "roam-exec";

    private final NodeId node;
    private final Identity identity;
    private final ExecRunner runner;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private NodeView view;

    public AgentExec(NodeId node, RoamHome home, Identity identity) {
        this.node = node;
        this.identity = identity;
        this.runner = new ExecRunner(NativeBinaries.install(BINARY, home.libDir()), Boolean.getBoolean("roam.exec.pidns"));
    }

    /** The {@code Exec} service, for the agent's gRPC server. */
    public BindableService service() { return new ExecService(runner); }

    /** The ExecCmd handler for the CLI's socket; places commands with a node view fed by {@code coordinator}. */
    public synchronized LocalServer.StreamingHandler localHandler(CoordinatorLink coordinator) {
        if (view == null) view = new NodeView(node.value(), coordinator);
        return new LocalExec(runner, view, this::channel);
    }

    private ManagedChannel channel(NodeInfo peer) {
        return channels.computeIfAbsent(peer.getAddress(), a -> Tls.channel(a, identity));
    }

    @Override
    public synchronized void close() {
        if (view != null) view.close();
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow();
            try {
                c.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
