package io.roam.agent.rpc;

import io.grpc.stub.StreamObserver;
import io.roam.agent.checkpoint.CheckpointSteps;
import io.roam.agent.jobs.JobTable;
import io.roam.agent.local.RemoteLogs;
import io.roam.agent.sandbox.JobProcesses;
import io.roam.agent.sandbox.LaunchOutcome;
import io.roam.agent.sandbox.SandboxLauncher;
import io.roam.agent.sandbox.SandboxSpec;
import io.roam.core.CheckpointId;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import io.roam.criu.inspect.JobInspector;
import io.roam.proto.Ack;
import io.roam.proto.AgentGrpc;
import io.roam.proto.AgentRestoreReply;
import io.roam.proto.AgentRestoreRequest;
import io.roam.proto.CheckReport;
import io.roam.proto.DeleteImageRequest;
import io.roam.proto.DumpJobReply;
import io.roam.proto.DumpJobRequest;
import io.roam.proto.InspectJobRequest;
import io.roam.proto.JobInfo;
import io.roam.proto.JobSpec;
import io.roam.proto.ListHeldReply;
import io.roam.proto.ListHeldRequest;
import io.roam.proto.LogChunk;
import io.roam.proto.ReadLogsRequest;
import io.roam.proto.SignalJobRequest;
import io.roam.proto.StartJobReply;
import io.roam.proto.StartJobRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import io.roam.agent.net.JobNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the coordinator asks of this node: start, signal, inspect, dump and restore jobs, and list the ones it holds.
 * Served over mutual TLS only.
 */
public final class AgentService extends AgentGrpc.AgentImplBase {
    private static final Logger log = LoggerFactory.getLogger(AgentService.class);

    private final NodeId node;
    private final RoamHome home;
    private final JobTable table;
    private final SandboxLauncher launcher;
    private final CheckpointSteps checkpoints;
    private final JobNetwork network;

    public AgentService(NodeId node, RoamHome home, JobTable table, SandboxLauncher launcher, CheckpointSteps checkpoints,
                        JobNetwork network) {
        this.network = network;
        this.node = node;
        this.home = home;
        this.table = table;
        this.launcher = launcher;
        this.checkpoints = checkpoints;
    }

    @Override
    public void startJob(StartJobRequest req, StreamObserver<StartJobReply> obs) {
        JobInfo job = req.getJob();
        JobSpec s = job.getSpec();
        Optional<JobNetwork.Prepared> net;
        try {
            net = job.getNetAddress().isEmpty() ? Optional.empty() : Optional.of(network.prepare(job.getNetAddress()));
            try {
                net.ifPresent(network::activate);
            } catch (RuntimeException e) {
                network.release(job.getNetAddress());
                throw e;
            }
        } catch (RuntimeException e) {
            log.warn("job {}: cannot set up its network {}: {}", job.getId(), job.getNetAddress(), e.getMessage());
            reply(obs, StartJobReply.newBuilder().setOk(false).setError("cannot give the job its address " + job.getNetAddress()
                    + " on " + node + ": " + e.getMessage()).build());
            return;
        }
        LaunchOutcome outcome;
        try {
            outcome = launcher.launch(new SandboxSpec(JobId.of(job.getId()), s.getArgvList(), Path.of(s.getCwd()), s.getEnvMap(),
                    s.getUid(), s.getGid(), List.copyOf(s.getGroupsList()), home.spoolDir(JobId.of(job.getId())),
                    net.map(JobNetwork.Prepared::namespace)));
        } catch (RuntimeException e) {
            net.ifPresent(n -> network.release(job.getNetAddress()));
            throw e;
        }
        net.ifPresent(n -> {
            if (outcome instanceof LaunchOutcome.Launched) network.unname(n);
            else network.release(job.getNetAddress());
        });
        StartJobReply reply = switch (outcome) {
            case LaunchOutcome.Launched l -> {
                table.put(job.toBuilder().setNode(node.value()).setHostPid(l.hostPid()).setHostPidStart(l.hostPidStart()).build());
                log.info("job {} started as pid {}: {}", job.getId(), l.hostPid(), String.join(" ", s.getArgvList()));
                yield StartJobReply.newBuilder().setOk(true).setHostPid(l.hostPid()).setHostPidStart(l.hostPidStart()).build();
            }
            case LaunchOutcome.LaunchFailed f -> StartJobReply.newBuilder().setOk(false).setError(f.reason()).build();
        };
        reply(obs, reply);
    }

    @Override
    public void signalJob(SignalJobRequest req, StreamObserver<Ack> obs) {
        var held = table.get(req.getJob());
        if (held.isEmpty() || !JobProcesses.alive(held.get().getHostPid(), held.get().getHostPidStart())) {
            reply(obs, Ack.newBuilder().setOk(false).setError("job " + req.getJob() + " is not running on " + node).build());
            return;
        }
        // The job's init forwards catchable signals to the job; SIGKILL/SIGSTOP reach the init itself and so the whole tree.
        JobProcesses.signal(held.get().getHostPid(), req.getSignal());
        reply(obs, Ack.newBuilder().setOk(true).build());
    }

    @Override
    public void inspectJob(InspectJobRequest req, StreamObserver<CheckReport> obs) {
        var held = table.get(req.getJob());
        if (held.isEmpty() || !JobProcesses.alive(held.get().getHostPid(), held.get().getHostPidStart())) {
            reply(obs, CheckReport.newBuilder().setMigratable(false).addReasons("job " + req.getJob() + " is not running").build());
            return;
        }
        reply(obs, JobInspector.inspect(held.get().getHostPid(), home.spoolDir(JobId.of(req.getJob()))));
    }

    @Override
    public void dumpJob(DumpJobRequest req, StreamObserver<DumpJobReply> obs) {
        reply(obs, checkpoints.dump(req));
    }

    @Override
    public void restoreJob(AgentRestoreRequest req, StreamObserver<AgentRestoreReply> obs) {
        reply(obs, checkpoints.restore(req));
    }

    @Override
    public void readLogs(ReadLogsRequest req, StreamObserver<LogChunk> obs) { RemoteLogs.serve(home, table, req, obs); }

    @Override
    public void deleteImage(DeleteImageRequest req, StreamObserver<Ack> obs) {
        CheckpointId id = CheckpointId.parse(req.getCheckpoint());
        checkpoints.awaitSeal(home.imageDir(node, id));
        CheckpointSteps.deleteTree(home.imageDir(node, id));
        CheckpointSteps.deleteTree(home.imagesDir(node).resolve(".incoming-" + id.value()));   // a partial copy kept for a resume
        reply(obs, Ack.newBuilder().setOk(true).build());
    }

    @Override
    public void listHeld(ListHeldRequest req, StreamObserver<ListHeldReply> obs) {
        reply(obs, ListHeldReply.newBuilder().addAllJobs(table.all()).build());
    }

    private static <T> void reply(StreamObserver<T> obs, T value) {
        obs.onNext(value);
        obs.onCompleted();
    }
}
