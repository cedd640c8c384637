package io.roam.core.recovery;

import io.roam.core.CheckpointId;
import io.roam.core.JobId;
import io.roam.core.JobState;
import io.roam.core.NodeId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One tick of the keeper. A job with an interval is due when its newest kept image is older than the interval (or it
 * has none and has run for one interval); the image goes to another node that is up, the one that holds the previous
 * image when it still can. A job whose node has been down for {@code restartAfterMs} is restarted from its kept image
 * on the node holding it; a job without one is left alone (its node may come back). Nothing else is decided while a
 * job is busy (the keeper passes the jobs it is working on in {@code busy}).
 */
public final class KeeperPolicy {
    /** A job as the keeper sees it. {@code since} is when it entered its state; {@code kept} its newest kept image. */
    public record Job(JobId id, JobState state, NodeId node, long sinceMs, long everyMs, Optional<Kept> kept) {}

    /** A kept image: which, where it is, and when it was taken. */
    public record Kept(CheckpointId checkpoint, NodeId on, long takenMs) {}

    /** A node: up (can take work and hold images) or down since when. */
    public record Node(NodeId id, boolean up, long downSinceMs) {}

    public sealed interface Action {
        /** Take an image of the running job, leave it running, and keep the image on {@code holder}. */
        record Checkpoint(JobId job, NodeId holder) implements Action {}

        /** Restart the job from {@code from}, held by {@code on}; up to {@code lostMs} of its work is lost. */
        record Restart(JobId job, CheckpointId from, NodeId on, NodeId died, long lostMs) implements Action {}
    }

    private final long restartAfterMs;

    public KeeperPolicy(long restartAfterMs) {
        if (restartAfterMs < 0) throw new IllegalArgumentException("restart delay " + restartAfterMs + " ms < 0");
        this.restartAfterMs = restartAfterMs;
    }

    public List<Action> decide(List<Job> jobs, Map<NodeId, Node> nodes, Set<JobId> busy, long nowMs) {
        List<Action> out = new ArrayList<>();
        for (Job j : jobs) {
            if (busy.contains(j.id()) || j.everyMs() <= 0) continue;
            Node home = nodes.get(j.node());
            boolean homeUp = home != null && home.up();
            if (j.state() == JobState.RUNNING && homeUp) {
                // an image on the job's own node (it moved there) dies with that node: it does not count
                long last = j.kept().filter(k -> !k.on().equals(j.node())).map(Kept::takenMs).orElse(j.sinceMs());
                if (nowMs - last >= j.everyMs()) holder(j, nodes).ifPresent(h -> out.add(new Action.Checkpoint(j.id(), h)));
            } else if ((j.state() == JobState.RUNNING || j.state() == JobState.CHECKPOINTING) && home != null && !homeUp
                    && nowMs - home.downSinceMs() >= restartAfterMs && j.kept().isPresent()) {
                Kept k = j.kept().get();
                Node holder = nodes.get(k.on());
                if (holder != null && holder.up()) {
                    out.add(new Action.Restart(j.id(), k.checkpoint(), k.on(), j.node(), Math.max(0, home.downSinceMs() - k.takenMs())));
                }
            }
        }
        return out;
    }

    /** The previous holder when it is still up, else the first other node that is up (by name: stable). */
    private static Optional<NodeId> holder(Job j, Map<NodeId, Node> nodes) {
        Optional<NodeId> previous = j.kept().map(Kept::on).filter(n -> !n.equals(j.node()) && nodes.containsKey(n) && nodes.get(n).up());
        if (previous.isPresent()) return previous;
        return nodes.values().stream().filter(Node::up).map(Node::id).filter(n -> !n.equals(j.node()))
                .min(Comparator.comparing(NodeId::value));
    }
}
