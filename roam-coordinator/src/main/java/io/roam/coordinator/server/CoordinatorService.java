package io.roam.coordinator.server;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.roam.coordinator.checkpoints.Checkpoints;
import io.roam.coordinator.checkpoints.SleepWake;
import io.roam.coordinator.jobs.Answer;
import io.roam.coordinator.jobs.ExitReports;
import io.roam.coordinator.jobs.JobControl;
import io.roam.coordinator.jobs.JobLookup;
import io.roam.coordinator.jobs.JobQueries;
import io.roam.coordinator.jobs.JobSubmission;
import io.roam.coordinator.jobs.Readoption;
import io.roam.coordinator.membership.Membership;
import io.roam.coordinator.store.StoreException;
import io.roam.core.NodeId;
import io.roam.proto.Ack;
import io.roam.proto.CheckReport;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.CheckpointJobRequest;
import io.roam.proto.CoordinatorGrpc;
import io.roam.proto.JobExitReport;
import io.roam.proto.JobInfo;
import io.roam.proto.JobRef;
import io.roam.proto.KillJobRequest;
import io.roam.proto.ListCheckpointsReply;
import io.roam.proto.ListCheckpointsRequest;
import io.roam.proto.ListJobsReply;
import io.roam.proto.ListJobsRequest;
import io.roam.proto.ListNodesReply;
import io.roam.proto.ListNodesRequest;
import io.roam.proto.NodeInfo;
import io.roam.proto.NodeRef;
import io.roam.proto.NodeReport;
import io.roam.proto.NodeReportAck;
import io.roam.proto.RegisterNodeReply;
import io.roam.proto.RegisterNodeRequest;
import io.roam.proto.RestoreJobRequest;
import io.roam.proto.SleepWakeReply;
import io.roam.proto.SubmitRequest;
import io.roam.proto.WaitJobRequest;
import io.roam.rpc.CallerIds;
import io.roam.rpc.HostPort;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The coordinator's gRPC face: checks the request's shape, calls the operation, maps its refusal to a status. */
public final class CoordinatorService extends CoordinatorGrpc.CoordinatorImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorService.class);

    /** The operations behind the service. */
    public record Operations(Membership membership, ExitReports exits, JobSubmission submission, JobQueries queries,
                             JobControl control, Readoption readoption, Checkpoints checkpoints, SleepWake sleepWake,
                             String clusterId) {}

    private final Operations ops;

    public CoordinatorService(Operations ops) { this.ops = ops; }

    @Override public void registerNode(RegisterNodeRequest req, StreamObserver<RegisterNodeReply> out) {
        answer(out, () -> {
            NodeInfo n = req.getNode();
            NodeId id;
            try {
                id = NodeId.of(n.getId());
                HostPort.parse(n.getAddress());
            } catch (IllegalArgumentException e) {
                return Answer.refused(Answer.Kind.INVALID, "cannot register node '" + JobLookup.shorten(n.getId()) + "': " + e.getMessage());
            }
            LOG.info("RegisterNode {} from peer {} holding {} jobs", id, CallerIds.peerName(), req.getRunningCount());
            ops.membership().register(n);
            ops.readoption().registered(id, ops.exits().reconcile(id, req.getRunningList()));
            return Answer.ok(RegisterNodeReply.newBuilder().setClusterId(ops.clusterId()).build());
        });
    }

    @Override public void reportNode(NodeReport req, StreamObserver<NodeReportAck> out) {
        answer(out, () -> {
            try {
                NodeId.of(req.getNode());
            } catch (IllegalArgumentException e) {
                return Answer.refused(Answer.Kind.INVALID, e.getMessage());
            }
            return ops.membership().report(req) ? Answer.ok(NodeReportAck.getDefaultInstance())
                    : Answer.refused(Answer.Kind.NOT_FOUND, "node " + req.getNode() + " is not registered: call RegisterNode first");
        });
    }

    @Override public void reportJobExit(JobExitReport req, StreamObserver<Ack> out) {
        answer(out, () -> Answer.ok(ops.exits().report(req)));
    }

    @Override public void submit(SubmitRequest req, StreamObserver<JobInfo> out) {
        answer(out, req.hasCaller(), () -> ops.submission().submit(req.getCaller(), req.getSpec()));
    }

    @Override public void listJobs(ListJobsRequest req, StreamObserver<ListJobsReply> out) {
        answer(out, req.hasCaller(), () -> Answer.ok(ListJobsReply.newBuilder().addAllJobs(ops.queries().list(req.getCaller(), req.getAll())).build()));
    }

    @Override public void getJob(JobRef req, StreamObserver<JobInfo> out) {
        answer(out, req.hasCaller(), () -> ops.queries().get(req.getCaller(), req.getJob()));
    }

    @Override public void waitJob(WaitJobRequest req, StreamObserver<JobInfo> out) {
        answer(out, req.hasCaller(), () -> {
            Duration timeout = Duration.ofMillis(Math.max(0, req.getTimeoutMs()));
            Deadline d = Context.current().getDeadline();
            if (d != null) {
                // Answer a little before the caller's own deadline, so that it gets the record rather than an error.
                Duration left = Duration.ofMillis(Math.max(1, d.timeRemaining(TimeUnit.MILLISECONDS) - 200));
                if (timeout.isZero() || left.compareTo(timeout) < 0) timeout = left;
            }
            Context call = Context.current();
            return ops.queries().await(req.getCaller(), req.getJob(), timeout, call::isCancelled);
        });
    }

    @Override public void killJob(KillJobRequest req, StreamObserver<JobInfo> out) {
        answer(out, req.hasCaller(), () -> ops.control().kill(req.getCaller(), req.getJob(), req.getSignal()));
    }

    @Override public void removeJob(JobRef req, StreamObserver<Ack> out) {
        answer(out, req.hasCaller(), () -> ops.control().remove(req.getCaller(), req.getJob()));
    }

    @Override public void checkpointJob(CheckpointJobRequest req, StreamObserver<CheckpointInfo> out) {
        answer(out, req.hasCaller(), () -> ops.checkpoints().checkpoint(req.getCaller(), req.getJob(), req.getLeaveRunning(), req.getSleep()));
    }

    @Override public void restoreJob(RestoreJobRequest req, StreamObserver<JobInfo> out) {
        answer(out, req.hasCaller(), () -> ops.checkpoints().restore(req.getCaller(), req.getCheckpoint()));
    }

    @Override public void listCheckpoints(ListCheckpointsRequest req, StreamObserver<ListCheckpointsReply> out) {
        answer(out, req.hasCaller(), () -> switch (ops.checkpoints().list(req.getCaller(), req.getJob())) {
            case Answer.Ok<List<CheckpointInfo>>(var list) -> Answer.ok(ListCheckpointsReply.newBuilder().addAllCheckpoints(list).build());
            case Answer.Refused<List<CheckpointInfo>> r -> r.as();
        });
    }

    @Override public void checkJob(JobRef req, StreamObserver<CheckReport> out) {
        answer(out, req.hasCaller(), () -> ops.control().check(req.getCaller(), req.getJob()));
    }

    @Override public void sleepNode(NodeRef req, StreamObserver<SleepWakeReply> out) {
        answer(out, req.hasCaller(), () -> ops.sleepWake().sleep(req.getCaller(), req.getNode()));
    }

    @Override public void wakeNode(NodeRef req, StreamObserver<SleepWakeReply> out) {
        answer(out, req.hasCaller(), () -> ops.sleepWake().wake(req.getCaller(), req.getNode()));
    }

    @Override public void listNodes(ListNodesRequest req, StreamObserver<ListNodesReply> out) {
        answer(out, () -> Answer.ok(ListNodesReply.newBuilder().addAllNodes(ops.membership().nodes()).build()));
    }

    private static <T> void answer(StreamObserver<T> out, boolean hasCaller, Supplier<Answer<T>> op) {
        answer(out, hasCaller ? op : () -> Answer.refused(Answer.Kind.INVALID,
                "request without a caller: the agent must fill it from the client's peer credentials"));
    }

    private static <T> void answer(StreamObserver<T> out, Supplier<Answer<T>> op) {
        Answer<T> a;
        try {
            a = op.get();
        } catch (StoreException e) {
            LOG.error("store failure", e);
            out.onError(Status.UNAVAILABLE.withDescription(e.getMessage() + ": try again once ZooKeeper is back").asRuntimeException());
            return;
        } catch (RuntimeException e) {
            LOG.error("bug while serving a call", e);
            out.onError(Status.INTERNAL.withDescription("coordinator bug: " + e + " (see the coordinator log)").asRuntimeException());
            return;
        }
        switch (a) {
            case Answer.Ok<T>(T value) -> {
                out.onNext(value);
                out.onCompleted();
            }
            case Answer.Refused<T> r -> out.onError(status(r.kind()).withDescription(r.reason()).asRuntimeException());
        }
    }

    private static Status status(Answer.Kind kind) {
        return switch (kind) {
            case INVALID -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case TAKEN -> Status.ALREADY_EXISTS;
            case DENIED -> Status.PERMISSION_DENIED;
            case PRECONDITION -> Status.FAILED_PRECONDITION;
            case UNAVAILABLE -> Status.UNAVAILABLE;
        };
    }
}
