package io.roam.coordinator.jobs;

import io.roam.coordinator.agents.AgentClients;
import io.roam.coordinator.agents.AgentReply;
import io.roam.core.NodeId;
import io.roam.proto.JobInfo;
import io.roam.proto.ListHeldReply;
import io.roam.proto.ListHeldRequest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What follows an agent's (re-)registration when its list of held jobs disagrees with the records: the jobs it lacks
 * become lost and the stale copies it holds are killed, but only once the agent, asked again after the registration
 * (ListHeld), still disagrees. A registration's list is as old as its request, which can wait out a cut link for
 * seconds while a migration to that very node commits; believed as it is, it would lose the job just moved there.
 */
public final class Readoption {
    private static final Logger LOG = LoggerFactory.getLogger(Readoption.class);
    private static final Duration ASK = Duration.ofSeconds(10);
    private static final int ATTEMPTS = 10;
    private static final Duration PAUSE = Duration.ofMillis(500);

    private final ExitReports exits;
    private final JobControl control;
    private final AgentClients agents;

    public Readoption(ExitReports exits, JobControl control, AgentClients agents) {
        this.exits = exits;
        this.control = control;
        this.agents = agents;
    }

    /** After the registration has been answered (the agent serves calls once it is registered): confirm and act. */
    public void registered(NodeId node, ExitReports.Reconciled found) {
        if (found.clean()) return;
        Thread.ofVirtual().name("readopt-" + node).start(() -> confirm(node, found));
    }

    /** Asks the agent which jobs it holds now and acts on what that answer confirms; returns how many jobs were lost. */
    int confirm(NodeId node, ExitReports.Reconciled found) {
        Optional<List<JobInfo>> held = heldNow(node);
        if (held.isEmpty()) {
            LOG.warn("node {} did not say which jobs it holds: {} job(s) its registration lacked stay as they are until it registers again",
                    node, found.missing().size());
            return 0;
        }
        Set<String> ids = held.get().stream().map(JobInfo::getId).collect(Collectors.toSet());
        int lost = exits.confirmLost(node, found.missing(), ids);
        if (lost > 0) LOG.warn("node {} lost {} job(s) while it was away", node, lost);
        List<String> stale = exits.stale(node, held.get());
        if (!stale.isEmpty()) control.killStale(node, stale);
        return lost;
    }

    private Optional<List<JobInfo>> heldNow(NodeId node) {
        return agents.callUntilAnswered(node, ASK, ATTEMPTS, PAUSE, a -> a.listHeld(ListHeldRequest.getDefaultInstance()))
                instanceof AgentReply.Answered<ListHeldReply>(ListHeldReply r) ? Optional.of(r.getJobsList()) : Optional.empty();
    }
}
