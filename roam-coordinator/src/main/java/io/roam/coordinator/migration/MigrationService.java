package io.roam.coordinator.migration;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.roam.coordinator.agents.AgentClients;
import io.roam.coordinator.jobs.Answer;
import io.roam.coordinator.jobs.ExitReports;
import io.roam.coordinator.jobs.JobTransitions;
import io.roam.coordinator.membership.Membership;
import io.roam.coordinator.placement.LeastLoadedPlacement;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.coordinator.store.ZkMigrationStore;
import io.roam.core.CheckpointId;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.proto.DrainRequest;
import io.roam.proto.JobInfo;
import io.roam.proto.MigrateRequest;
import io.roam.proto.MigrationGrpc;
import io.roam.proto.MigrationUpdate;
import io.roam.proto.SendImageRequest;
import io.roam.proto.TransferProgress;
import io.roam.rpc.Identity;
import java.security.SecureRandom;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;

/** The coordinator's Migration service (migrate, drain, undrain); progress lines stream back to the CLI. */
public final class MigrationService extends MigrationGrpc.MigrationImplBase implements AutoCloseable {
    private final MigrationOrchestrator orchestrator;
    private final NodeDrain drain;
    private final TransferClients transfers;
    private final SpoolClients spools;

    /** Wires migration into a coordinator and starts the recovery of migrations a previous coordinator left behind. */
    public static MigrationService start(CuratorFramework curator, ZkJobStore store, JobTransitions transitions, ExitReports exits,
                                         AgentClients agents, Membership membership, Identity identity, String clusterId, LongSupplier clock) {
        ZkMigrationStore migrations = new ZkMigrationStore(curator);
        TransferClients transfers = new TransferClients(identity, membership::address);
        MigrationSteps steps = new MigrationSteps(store, transitions, exits, agents, migrations, clusterId);
        SpoolClients spools = new SpoolClients(identity, membership::address);
        var orchestrator = new MigrationOrchestrator(store, migrations, transitions, agents, transfers, spools, membership,
                new LeastLoadedPlacement(new SecureRandom()), steps, clusterId, clock);
        new MigrationRecovery(store, migrations, transfers, steps, orchestrator.live()).startInBackground();
        return new MigrationService(orchestrator, new NodeDrain(store, membership, orchestrator), transfers, spools);
    }

    private MigrationService(MigrationOrchestrator orchestrator, NodeDrain drain, TransferClients transfers, SpoolClients spools) {
        this.orchestrator = orchestrator;
        this.drain = drain;
        this.transfers = transfers;
        this.spools = spools;
    }

    /**
     * Streams image {@code checkpoint} of {@code job} from {@code source} to {@code target} (verified there), as a
     * migration does, for an image kept off the job's node (io.roam.coordinator.recovery). Returns the last message:
     * ok, with the image's path on the target, or the one-line error.
     */
    public TransferProgress copyImage(NodeId source, CheckpointId checkpoint, long bytes, JobId job, NodeId target, String clusterId) {
        SendImageRequest req = SendImageRequest.newBuilder().setCheckpoint(checkpoint.value()).setJob(job.value())
                .setTargetNode(target.value()).setTargetAddress(transfers.address(target).orElse("")).setClusterId(clusterId).build();
        return transfers.send(source, req, bytes, p -> { });
    }

    /**
     * Copies the job's spool directory (output files, TMPDIR) from {@code source} to {@code target}, for a kept image
     * (io.roam.coordinator.recovery). Empty when both see the same directory; else whether the copy arrived.
     */
    public java.util.Optional<Boolean> copySpool(NodeId source, NodeId target, JobId job) {
        SpoolClients.Shipment s = spools.ship(source, target, job);
        return s.ok() && s.shared() ? java.util.Optional.empty() : java.util.Optional.of(s.ok());
    }

    /** Deletes {@code node}'s copy of the job's spool directory, in the background; never call it for a shared directory. */
    public void dropSpool(NodeId node, JobId job) { spools.drop(node, job); }

    /** The orchestrator, for the balancing loop's migrations (io.roam.coordinator.balance). */
    public MigrationOrchestrator orchestrator() { return orchestrator; }

    @Override
    public void migrate(MigrateRequest req, StreamObserver<MigrationUpdate> obs) {
        Answer<JobInfo> a = orchestrator.migrate(req.getCaller(), req.getJob(), req.getTo(), req.getMode(), req.getExplain(), lines(obs));
        finish(obs, switch (a) {
            case Answer.Ok<JobInfo>(JobInfo j) -> MigrationUpdate.newBuilder().setOk(true).setJob(j);
            case Answer.Refused<JobInfo> r -> MigrationUpdate.newBuilder().setError(r.reason());
        });
    }

    @Override
    public void drain(DrainRequest req, StreamObserver<MigrationUpdate> obs) {
        finish(obs, switch (drain.drain(req.getCaller(), req.getNode(), lines(obs))) {
            case Answer.Ok<NodeDrain.Drained>(NodeDrain.Drained d) -> {
                var b = MigrationUpdate.newBuilder().addAllLines(d.lines()).setOk(d.stayed() == 0);
                if (d.stayed() > 0) b.setError(d.stayed() + " job(s) could not move off " + req.getNode() + ": see above");
                yield b;
            }
            case Answer.Refused<NodeDrain.Drained> r -> MigrationUpdate.newBuilder().setError(r.reason());
        });
    }

    @Override
    public void undrain(DrainRequest req, StreamObserver<MigrationUpdate> obs) {
        MigrationUpdate.Builder b = switch (drain.undrain(req.getCaller(), req.getNode())) {
            case Answer.Ok<String>(String line) -> MigrationUpdate.newBuilder().setOk(true).addLines(line);
            case Answer.Refused<String> r -> MigrationUpdate.newBuilder().setError(r.reason());
        };
        obs.onNext(b.setDone(true).build());
        obs.onCompleted();
    }

    private static Consumer<String> lines(StreamObserver<MigrationUpdate> obs) {
        var call = (ServerCallStreamObserver<MigrationUpdate>) obs;
        return line -> {
            if (!call.isCancelled()) obs.onNext(MigrationUpdate.newBuilder().setProgress(line).build());
        };
    }

    private static void finish(StreamObserver<MigrationUpdate> obs, MigrationUpdate.Builder b) {
        if (((ServerCallStreamObserver<MigrationUpdate>) obs).isCancelled()) return;
        obs.onNext(b.setDone(true).build());
        obs.onCompleted();
    }

    @Override
    public void close() {
        transfers.close();
        spools.close();
    }
}
