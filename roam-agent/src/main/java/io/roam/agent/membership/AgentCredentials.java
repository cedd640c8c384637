package io.roam.agent.membership;

import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import io.roam.rpc.ClusterCa;
import io.roam.rpc.Identity;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's identity and the cluster secret. Three sources, in order: credentials it got by joining earlier
 * (nodes/NODE/joined/); a join with {@code --token} (another machine, no CA here); the cluster CA in this roam home
 * (the coordinator's machine, where the CA lives).
 *
 * @param clusterId   the cluster this agent belongs to (images from other clusters are foreign)
 * @param coordinator the coordinator's address the join told, if the agent joined
 */
public record AgentCredentials(Identity identity, String clusterId, byte[] secret, Optional<String> coordinator) {
    private static final Logger LOG = LoggerFactory.getLogger(AgentCredentials.class);

    /** Thrown when the token does not buy a place in the cluster: the message is one line for the user. */
    public static final class JoinRefusedException extends RuntimeException {
        public JoinRefusedException(String message) { super(message); }
    }

    public static AgentCredentials obtain(RoamHome home, NodeId node, Optional<String> join, Optional<String> token, List<String> addresses) {
        var dir = home.nodeDir(node).resolve(JoinedCredentials.DIR);
        Optional<JoinedCredentials> saved = JoinedCredentials.load(dir);
        if (saved.isPresent()) return of(saved.get());
        if (token.isPresent()) {
            String at = join.orElseThrow(() -> new JoinRefusedException("--token needs --join HOST:PORT (the coordinator's join endpoint)"));
            return switch (Joiner.join(at, token.get(), node, addresses)) {
                case JoinOutcome.Joined(JoinedCredentials c) -> {
                    c.save(dir);
                    LOG.info("joined cluster {} as {}; coordinator at {}", c.clusterId(), node, c.coordinator());
                    yield of(c);
                }
                case JoinOutcome.JoinRefused(String reason) -> throw new JoinRefusedException(reason);
            };
        }
        ClusterCa ca = ClusterCa.loadOrCreate(home.caDir());
        Identity identity = Identity.loadOrIssue(ca, home.nodeDir(node).resolve("tls"), "agent-" + node.value(), addresses);
        return new AgentCredentials(identity, ca.clusterId(), ca.secret(), Optional.empty());
    }

    private static AgentCredentials of(JoinedCredentials c) {
        return new AgentCredentials(c.identity(), c.clusterId(), c.secret(), Optional.of(c.coordinator()));
    }
}
