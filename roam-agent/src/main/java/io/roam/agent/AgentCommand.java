package io.roam.agent;

import io.roam.agent.membership.AgentCredentials;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code roam agent}: runs this machine's agent in the foreground (roam up runs it under roam-supervise). */
@Command(name = "agent", mixinStandardHelpOptions = true, description = "Run a roam agent in the foreground (normally started by `roam up`).")
public final class AgentCommand implements Callable<Integer> {
    @Option(names = "--state-dir", description = "roam home (default: $ROAM_HOME or /var/lib/roam)")
    Path stateDir;

    @Option(names = "--node", description = "node name (default: n1)")
    String node = "n1";

    @Option(names = "--join", description = "coordinator address HOST:PORT, or several separated by commas (standbys: the agent moves on to the next one that answers; default: read from the roam home)")
    String join;

    @Option(names = "--listen", description = "gRPC listen address HOST:PORT (default: 127.0.0.1:0)")
    String listen = "127.0.0.1:0";

    @Option(names = "--token", description = "join token printed by `roam coordinator`: join the cluster at --join (its join endpoint) and keep the credentials in the state dir")
    String token;

    @Option(names = "--owner-detect", arity = "1", paramLabel = "true|false",
            description = "watch for this machine's owner (keyboard/mouse, logged-in terminals, non-roam load) so that guest jobs move away when the owner returns: for desktops lent to the cluster (default: false, a dedicated machine)")
    Boolean ownerDetect;

    @Option(names = "--socket", description = "unix socket for the CLI (default: agent.sock in the state dir)")
    Path socket;

    @Override
    public Integer call() throws java.io.IOException, InterruptedException {
        RoamHome home = stateDir != null ? new RoamHome(stateDir.toAbsolutePath().normalize()) : RoamHome.fromEnvironment();
        AgentDaemon daemon;
        try {
            daemon = new AgentDaemon(home, NodeId.of(node), listen, Optional.ofNullable(join), Optional.ofNullable(token),
                    socket != null ? socket.toAbsolutePath() : home.agentSocket());
        } catch (AgentCredentials.JoinRefusedException e) {
            System.err.println("roam: error: " + e.getMessage());
            return 1;
        }
        daemon.watchOwner(ownerDetect != null && ownerDetect);
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "agent-shutdown"));
        daemon.awaitStop();
        return 0;
    }
}
