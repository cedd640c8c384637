package io.roam.coordinator.migration;

import io.roam.coordinator.jobs.Access;
import io.roam.coordinator.jobs.Answer;
import io.roam.coordinator.jobs.JobLookup;
import io.roam.coordinator.membership.Membership;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.core.NodeId;
import io.roam.proto.Caller;
import io.roam.proto.CheckReport;
import io.roam.proto.JobInfo;
import io.roam.proto.JobState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** roam drain / undrain: mark a node draining (placement skips it) and move every job off it, or open it again. */
final class NodeDrain {
    /** What a drain did: one line per job, and how many stayed. */
    record Drained(List<String> lines, int stayed) {}

    private final ZkJobStore store;
    private final Membership membership;
    private final MigrationOrchestrator orchestrator;

    NodeDrain(ZkJobStore store, Membership membership, MigrationOrchestrator orchestrator) {
        this.store = store;
        this.membership = membership;
        this.orchestrator = orchestrator;
    }

    Answer<Drained> drain(Caller caller, String node, Consumer<String> progress) {
        Answer<NodeId> n = known(caller, node, "drain");
        if (!(n instanceof Answer.Ok<NodeId>(NodeId id))) return ((Answer.Refused<NodeId>) n).as();
        membership.setDraining(id, true);
        List<String> lines = new ArrayList<>();
        int stayed = 0;
        for (JobInfo j : store.list()) {
            if (!j.getNode().equals(id.value()) || j.getState() != JobState.RUNNING) continue;
            CheckReport check = orchestrator.inspect(id, j);
            if (!check.getMigratable()) {
                lines.add(j.getId() + ": cannot move: " + String.join("; ", check.getReasonsList()));
                stayed++;
                continue;
            }
            progress.accept("moving job " + j.getId() + " off " + id);
            switch (orchestrator.migrate(caller, j.getId(), "", "", false, progress)) {
                case Answer.Ok<JobInfo>(JobInfo moved) -> lines.add(j.getId() + ": moved to " + moved.getNode());
                case Answer.Refused<JobInfo> r -> {
                    lines.add(j.getId() + ": stayed: " + r.reason());
                    stayed++;
                }
            }
        }
        if (lines.isEmpty()) lines.add("node " + id + " runs no jobs");
        lines.add("node " + id + " is draining: no new job lands there until 'roam undrain " + id + "'");
        return Answer.ok(new Drained(lines, stayed));
    }

    Answer<String> undrain(Caller caller, String node) {
        Answer<NodeId> n = known(caller, node, "undrain");
        if (!(n instanceof Answer.Ok<NodeId>(NodeId id))) return ((Answer.Refused<NodeId>) n).as();
        membership.setDraining(id, false);
        return Answer.ok("node " + id + " takes jobs again");
    }

    private Answer<NodeId> known(Caller caller, String node, String verb) {
        if (!Access.isRoot(caller)) return Answer.refused(Answer.Kind.DENIED, "only root may " + verb + " a node: run 'sudo roam " + verb + " " + JobLookup.shorten(node) + "'");
        NodeId id;
        try {
            id = NodeId.of(node);
        } catch (IllegalArgumentException e) {
            return Answer.refused(Answer.Kind.INVALID, "invalid node name '" + JobLookup.shorten(node) + "'");
        }
        if (membership.node(id).isEmpty()) return Answer.refused(Answer.Kind.NOT_FOUND, "no such node: " + id + " (roam nodes lists them)");
        return Answer.ok(id);
    }
}
