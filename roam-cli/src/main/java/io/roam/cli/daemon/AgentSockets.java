package io.roam.cli.daemon;

import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import java.nio.file.Path;

/** Where each agent of this machine serves the CLI: n1 at agent.sock (the local node), node K at nodes/K/agent.sock. */
public final class AgentSockets {
    private AgentSockets() {}

    public static Path of(RoamHome home, NodeId node) {
        return node.equals(UpCommand.LOCAL_NODE) ? home.agentSocket() : home.nodeDir(node).resolve("agent.sock");
    }
}
