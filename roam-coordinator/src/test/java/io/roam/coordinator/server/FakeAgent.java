package io.roam.coordinator.server;

import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.roam.proto.Ack;
import io.roam.proto.AgentGrpc;
import io.roam.proto.AgentRestoreReply;
import io.roam.proto.AgentRestoreRequest;
import io.roam.proto.CheckReport;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.DeleteImageRequest;
import io.roam.proto.DumpJobReply;
import io.roam.proto.DumpJobRequest;
import io.roam.proto.InspectJobRequest;
import io.roam.proto.JobInfo;
import io.roam.proto.ListHeldReply;
import io.roam.proto.ListHeldRequest;
import io.roam.proto.SignalJobRequest;
import io.roam.proto.StartJobReply;
import io.roam.proto.StartJobRequest;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A scripted agent for the coordinator's tests: a real AgentImplBase served over real mutual TLS on loopback. Each
 * call is recorded; each answer comes from a replaceable function (by default: success with fresh pids).
 */
final class FakeAgent extends AgentGrpc.AgentImplBase implements AutoCloseable {
    final String node;
    final List<StartJobRequest> starts = new CopyOnWriteArrayList<>();
    final List<SignalJobRequest> signals = new CopyOnWriteArrayList<>();
    final List<DumpJobRequest> dumps = new CopyOnWriteArrayList<>();
    final List<AgentRestoreRequest> restores = new CopyOnWriteArrayList<>();
    final List<InspectJobRequest> inspections = new CopyOnWriteArrayList<>();
    final List<DeleteImageRequest> deletes = new CopyOnWriteArrayList<>();
    final List<ListHeldRequest> listings = new CopyOnWriteArrayList<>();
    /** What ListHeld answers: the jobs this agent holds now. */
    volatile Supplier<List<JobInfo>> held = List::of;
    private final AtomicLong pids = new AtomicLong(4000);

    volatile Function<StartJobRequest, StartJobReply> onStart =
            r -> StartJobReply.newBuilder().setOk(true).setHostPid(pids.incrementAndGet()).setHostPidStart(777).build();
    volatile Function<SignalJobRequest, Ack> onSignal = r -> Ack.newBuilder().setOk(true).build();
    volatile Function<DumpJobRequest, DumpJobReply> onDump = r -> DumpJobReply.newBuilder().setOk(true)
            .setCheckpoint(CheckpointInfo.newBuilder().setId(r.getCheckpointId()).setJob(r.getJob().getId())
                    .setNode(nodeName()).setSizeBytes(4096).setPath("/images/" + r.getCheckpointId()).setCriuVersion("4.2.1"))
            .build();
    volatile Function<AgentRestoreRequest, AgentRestoreReply> onRestore =
            r -> AgentRestoreReply.newBuilder().setOk(true).setHostPid(pids.incrementAndGet()).setHostPidStart(888).build();
    private final Server server;

    FakeAgent(String node, Identity identity) {
        this.node = node;
        this.server = Tls.startServer("127.0.0.1:0", identity, this);
    }

    private String nodeName() { return node; }

    String address() { return "127.0.0.1:" + server.getPort(); }

    @Override public void startJob(StartJobRequest r, StreamObserver<StartJobReply> out) { starts.add(r); reply(out, onStart.apply(r)); }

    @Override public void signalJob(SignalJobRequest r, StreamObserver<Ack> out) { signals.add(r); reply(out, onSignal.apply(r)); }

    @Override public void dumpJob(DumpJobRequest r, StreamObserver<DumpJobReply> out) { dumps.add(r); reply(out, onDump.apply(r)); }

    @Override public void restoreJob(AgentRestoreRequest r, StreamObserver<AgentRestoreReply> out) { restores.add(r); reply(out, onRestore.apply(r)); }

    @Override public void inspectJob(InspectJobRequest r, StreamObserver<CheckReport> out) {
        inspections.add(r);
        reply(out, CheckReport.newBuilder().setMigratable(false).addReasons("tty: Found dangling tty").build());
    }

    @Override public void deleteImage(DeleteImageRequest r, StreamObserver<Ack> out) { deletes.add(r); reply(out, Ack.newBuilder().setOk(true).build()); }

    @Override public void listHeld(ListHeldRequest r, StreamObserver<ListHeldReply> out) {
        listings.add(r);
        reply(out, ListHeldReply.newBuilder().addAllJobs(held.get()).build());
    }

    private static <T> void reply(StreamObserver<T> out, T value) {
        out.onNext(value);
        out.onCompleted();
    }

    @Override public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
