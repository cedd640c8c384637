package io.roam.coordinator.jobs;

import io.roam.coordinator.agents.AgentClients;
import io.roam.coordinator.agents.AgentReply;
import io.roam.coordinator.membership.Membership;
import io.roam.coordinator.placement.LeastLoadedPlacement;
import io.roam.coordinator.placement.Placement;
import io.roam.coordinator.store.Versioned;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.core.JobEvent;
import io.roam.core.JobId;
import io.roam.core.JobRecord;
import io.roam.core.NodeId;
import io.roam.proto.Caller;
import io.roam.proto.JobInfo;
import io.roam.proto.JobSpec;
import io.roam.proto.NodeInfo;
import io.roam.proto.StartJobReply;
import io.roam.proto.StartJobRequest;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Submit: validate → place → PENDING record → agent StartJob → RUNNING, or no record at all when the start failed. */
public final class JobSubmission {
    private static final Logger LOG = LoggerFactory.getLogger(JobSubmission.class);
    static final Duration START_DEADLINE = Duration.ofSeconds(60);
    private static final int MAX_ARGV_BYTES = 1 << 20;
    /** Beyond these a record would not fit a ZooKeeper node (1 MiB); ARG_MAX is 2 MiB on Linux anyway. */
    private static final int MAX_ARGS = 32_768, MAX_SPEC_BYTES = 512 << 10;

    private final ZkJobStore store;
    private final JobTransitions transitions;
    private final ExitReports exits;
    private final Membership membership;
    private final AgentClients agents;
    private final LeastLoadedPlacement placement;
    private final LongSupplier clock;
    private final JobAddresses addresses;

    public JobSubmission(ZkJobStore store, JobTransitions transitions, ExitReports exits, Membership membership,
                         AgentClients agents, LeastLoadedPlacement placement, LongSupplier clock, JobAddresses addresses) {
        this.addresses = addresses;
        this.store = store;
        this.transitions = transitions;
        this.exits = exits;
        this.membership = membership;
        this.agents = agents;
        this.placement = placement;
        this.clock = clock;
    }

    public Answer<JobInfo> submit(Caller caller, JobSpec spec) {
        if (spec.getArgvCount() == 0 || spec.getArgv(0).isBlank()) {
            return Answer.refused(Answer.Kind.INVALID, "empty command: give the program to run, e.g. roam run -- sleep 60");
        }
        if (spec.getArgvList().stream().mapToLong(String::length).sum() > MAX_ARGV_BYTES) {
            return Answer.refused(Answer.Kind.INVALID, "the command line is longer than 1 MiB: pass long inputs in a file");
        }
        if (spec.getCheckpointEveryMs() != 0 && spec.getCheckpointEveryMs() < 1000) {
            return Answer.refused(Answer.Kind.INVALID, "--checkpoint-every must be at least 1s, not " + spec.getCheckpointEveryMs() + " ms");
        }
        if (spec.getArgvCount() > MAX_ARGS) {
            return Answer.refused(Answer.Kind.INVALID, "the command has " + spec.getArgvCount() + " arguments, more than "
                    + MAX_ARGS + ": pass long inputs in a file");
        }
        if (spec.getSerializedSize() > MAX_SPEC_BYTES) {
            return Answer.refused(Answer.Kind.INVALID, "the job's command line and environment take " + spec.getSerializedSize()
                    + " bytes, more than " + (MAX_SPEC_BYTES >> 10) + " KiB: pass large inputs in files");
        }
        if (!Access.isRoot(caller) && spec.getUid() != caller.getUid()) {
            return Answer.refused(Answer.Kind.DENIED, "uid " + caller.getUid() + " cannot submit a job to run as uid " + spec.getUid());
        }
        if (!spec.getName().isEmpty() && !JobId.isValid(spec.getName())) {
            return Answer.refused(Answer.Kind.INVALID, "invalid job name '" + JobLookup.shorten(spec.getName())
                    + "': use 1-63 letters, digits, '-' or '_', starting with a letter or digit");
        }
        if (spec.getNet() && addresses.unavailable().isPresent()) {
            return Answer.refused(Answer.Kind.PRECONDITION, addresses.unavailable().get());
        }
        if (!spec.getName().isEmpty() && store.get(JobId.of(spec.getName())).isPresent()) return taken(spec.getName());
        Answer<NodeId> where = place(spec);
        if (!(where instanceof Answer.Ok<NodeId>(NodeId node))) return ((Answer.Refused<NodeId>) where).as();

        Answer<JobInfo> created = createPending(spec, node);
        if (!(created instanceof Answer.Ok<JobInfo>(JobInfo pending))) return created;
        JobId id = JobId.of(pending.getId());
        membership.placed(node);
        LOG.info("job {}: placed on {} for uid {}: {}", id, node, spec.getUid(), String.join(" ", spec.getArgvList()));

        AgentReply<StartJobReply> reply = agents.call(node, START_DEADLINE,
                a -> a.startJob(StartJobRequest.newBuilder().setJob(pending).build()));
        String failure = switch (reply) {
            case AgentReply.Answered<StartJobReply>(StartJobReply r) when r.getOk() -> null;
            case AgentReply.Answered<StartJobReply>(StartJobReply r) -> JobLookup.firstLine(r.getError());
            case AgentReply.Unreachable<StartJobReply>(String why) -> why;
        };
        if (failure != null) return failed(id, node, failure);
        StartJobReply started = ((AgentReply.Answered<StartJobReply>) reply).value();
        TransitionOutcome t = transitions.apply(id, new JobEvent.Started(node, started.getHostPid(), started.getHostPidStart()));
        exits.settle(id);
        return switch (t) {
            case TransitionOutcome.Applied a -> Answer.ok(store.get(id).map(Versioned::value).orElse(a.job()));
            case TransitionOutcome.Rejected r -> Answer.refused(Answer.Kind.PRECONDITION, r.reason());
            case TransitionOutcome.Missing m -> Answer.refused(Answer.Kind.NOT_FOUND, "job " + id + " was removed while it started");
        };
    }

    private Answer<NodeId> place(JobSpec spec) {
        if (spec.getNode().isEmpty()) {
            return switch (placement.place(membership.candidates())) {
                case Placement.Placed p -> Answer.ok(p.node());
                case Placement.Unplaced u -> Answer.refused(Answer.Kind.PRECONDITION, u.reason());
            };
        }
        NodeId pinned;
        try {
            pinned = NodeId.of(spec.getNode());
        } catch (IllegalArgumentException e) {
            return Answer.refused(Answer.Kind.INVALID, "invalid node name '" + JobLookup.shorten(spec.getNode()) + "'");
        }
        Optional<NodeInfo> n = membership.node(pinned);
        if (n.isEmpty()) return Answer.refused(Answer.Kind.NOT_FOUND, "no such node: " + pinned + " (roam nodes lists them)");
        if (Membership.DOWN.equals(n.get().getState())) {
            return Answer.refused(Answer.Kind.PRECONDITION, "node " + pinned + " is down (no report for "
                    + Membership.DOWN_AFTER.toSeconds() + " s): pick another node or leave --node out");
        }
        if (Membership.OWNER.equals(n.get().getState())) {
            return Answer.refused(Answer.Kind.PRECONDITION, "node " + pinned + " is in use by its owner: pick another node or leave --node out");
        }
        return Answer.ok(pinned);
    }

    private Answer<JobInfo> createPending(JobSpec spec, NodeId node) {
        for (int attempt = 0; attempt < 20; attempt++) {
            JobId id = spec.getName().isEmpty() ? JobId.random() : JobId.of(spec.getName());
            JobRecord r = JobRecord.pending(id, spec.getUid(), Optional.of(node), clock.getAsLong());
            JobInfo info = JobRecords.merge(JobInfo.newBuilder().setId(id.value()).setSpec(spec).build(), r);
            if (store.create(info)) return spec.getNet() ? withAddress(id, info) : Answer.ok(info);
            if (!spec.getName().isEmpty()) return taken(spec.getName());
        }
        throw new IllegalStateException("could not find a free random job id after 20 attempts");
    }

    /** Claims the --net job's address once its record exists, and writes it into the record. */
    private Answer<JobInfo> withAddress(JobId id, JobInfo created) {
        Optional<String> address = addresses.allocate(id);
        if (address.isPresent()) {
            JobInfo info = created.toBuilder().setNetAddress(address.get()).build();
            if (store.replace(info, 0)) {
                LOG.info("job {}: address {}", id, address.get());
                return Answer.ok(info.toBuilder().setVersion(1).build());
            }
        }
        store.get(id).ifPresent(v -> store.delete(id, v.version()));
        return address.isEmpty()
                ? Answer.refused(Answer.Kind.PRECONDITION, "no free address for a --net job: every address of the job range is taken"
                        + " (roam ps -a lists the --net jobs; roam rm frees a finished one's)")
                : Answer.refused(Answer.Kind.PRECONDITION, "job " + id + " changed while it was given its address: try again");
    }

    private Answer<JobInfo> failed(JobId id, NodeId node, String reason) {
        transitions.apply(id, new JobEvent.StartFailed(reason));
        // A command that could not start leaves no job behind.
        for (int attempt = 0; attempt < 20; attempt++) {
            Optional<Versioned<JobInfo>> v = store.get(id);
            if (v.isEmpty() || store.delete(id, v.get().version())) break;
        }
        exits.settle(id);
        LOG.info("job {}: could not start on {}: {}", id, node, reason);
        return Answer.refused(Answer.Kind.PRECONDITION, "could not start the job on " + node + ": " + reason);
    }

    private static Answer<JobInfo> taken(String name) {
        return Answer.refused(Answer.Kind.TAKEN, "job name " + name + " is taken: choose another or remove the old job (roam rm " + name + ")");
    }
}
