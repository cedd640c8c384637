package io.roam.coordinator.checkpoints;

import io.roam.coordinator.jobs.Access;
import io.roam.coordinator.jobs.Answer;
import io.roam.coordinator.jobs.JobLookup;
import io.roam.coordinator.membership.Membership;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.core.NodeId;
import io.roam.proto.Caller;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.JobInfo;
import io.roam.proto.JobState;
import io.roam.proto.NodeInfo;
import io.roam.proto.SleepWakeReply;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * SleepNode: checkpoint every running job of a node to disk (the process stops); WakeNode: restore every job that
 * sleep put there. Works from the records alone, so it survives restarts of the coordinator and of the agents.
 * A user puts to sleep and wakes only their own jobs; root all of them.
 */
public final class SleepWake {
    private final ZkJobStore store;
    private final Membership membership;
    private final Checkpoints checkpoints;

    public SleepWake(ZkJobStore store, Membership membership, Checkpoints checkpoints) {
        this.store = store;
        this.membership = membership;
        this.checkpoints = checkpoints;
    }

    public Answer<SleepWakeReply> sleep(Caller caller, String node) {
        Answer<Set<String>> nodes = nodes(node);
        if (!(nodes instanceof Answer.Ok<Set<String>>(Set<String> names))) return ((Answer.Refused<Set<String>>) nodes).as();
        SleepWakeReply.Builder out = SleepWakeReply.newBuilder();
        for (JobInfo j : jobs(caller, names, JobState.RUNNING, false)) {
            switch (checkpoints.checkpoint(caller, j.getId(), false, true)) {
                case Answer.Ok<CheckpointInfo>(CheckpointInfo c) -> out.addLines("checkpointed " + j.getId() + " as " + c.getId());
                case Answer.Refused<CheckpointInfo> r -> out.addLines("could not checkpoint " + j.getId() + ": " + r.reason()).setFailed(out.getFailed() + 1);
            }
        }
        if (out.getLinesCount() == 0) out.addLines("no running jobs on " + where(node));
        return Answer.ok(out.build());
    }

    public Answer<SleepWakeReply> wake(Caller caller, String node) {
        Answer<Set<String>> nodes = nodes(node);
        if (!(nodes instanceof Answer.Ok<Set<String>>(Set<String> names))) return ((Answer.Refused<Set<String>>) nodes).as();
        SleepWakeReply.Builder out = SleepWakeReply.newBuilder();
        for (JobInfo j : jobs(caller, names, JobState.CHECKPOINTED, true)) {
            switch (checkpoints.restore(caller, j.getCheckpoint())) {
                case Answer.Ok<JobInfo>(JobInfo r) -> out.addLines("restored " + j.getId() + " from " + j.getCheckpoint() + " on " + r.getNode());
                case Answer.Refused<JobInfo> r -> out.addLines("could not restore " + j.getId() + ": " + r.reason()).setFailed(out.getFailed() + 1);
            }
        }
        if (out.getLinesCount() == 0) out.addLines("no sleeping jobs on " + where(node));
        return Answer.ok(out.build());
    }

    private List<JobInfo> jobs(Caller caller, Set<String> nodes, JobState state, boolean asleep) {
        return store.list().stream()
                .filter(j -> j.getState() == state && nodes.contains(j.getNode()) && (!asleep || j.getAsleep()))
                .filter(j -> Access.mayActOn(caller, j.getSpec().getUid()))
                .toList();
    }

    private Answer<Set<String>> nodes(String node) {
        if (node.isEmpty()) return Answer.ok(membership.nodes().stream().map(NodeInfo::getId).collect(Collectors.toSet()));
        try {
            NodeId id = NodeId.of(node);
            if (membership.node(id).isEmpty()) return Answer.refused(Answer.Kind.NOT_FOUND, "no such node: " + id + " (roam nodes lists them)");
            return Answer.ok(Set.of(id.value()));
        } catch (IllegalArgumentException e) {
            return Answer.refused(Answer.Kind.INVALID, "invalid node name '" + JobLookup.shorten(node) + "'");
        }
    }

    private static String where(String node) { return node.isEmpty() ? "any node" : node; }
}
