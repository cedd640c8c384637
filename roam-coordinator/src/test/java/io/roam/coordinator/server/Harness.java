package io.roam.coordinator.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.roam.core.RoamHome;
import io.roam.proto.Caller;
import io.roam.proto.CoordinatorGrpc;
import io.roam.proto.JobExitReport;
import io.roam.proto.JobInfo;
import io.roam.proto.JobRef;
import io.roam.proto.JobSpec;
import io.roam.proto.NodeInfo;
import io.roam.proto.NodeLoad;
import io.roam.proto.RegisterNodeRequest;
import io.roam.proto.SubmitRequest;
import io.roam.rpc.ClusterCa;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * A coordinator on an embedded ZooKeeper under a temporary roam home, one fake agent (node n1) registered with it,
 * and a client with a cluster certificate. {@link #restartCoordinator()} keeps the home (and so the records).
 */
final class Harness implements AutoCloseable {
    static final Caller ROOT = caller(0);
    static final Caller ALICE = caller(1000);
    static final Caller BOB = caller(1001);

    final RoamHome home;
    final ClusterCa ca;
    final FakeAgent agent;
    Coordinator coordinator;
    private ManagedChannel channel;
    private final Identity client;

    Harness(Path dir) {
        home = new RoamHome(dir);
        coordinator = Coordinator.start(new Coordinator.Config(home, "127.0.0.1:0", Optional.empty()));
        ca = ClusterCa.loadOrCreate(home.caDir());
        client = Identity.loadOrIssue(ca, dir.resolve("test-ids"), "cli");
        channel = Tls.channel(coordinator.address(), client);
        agent = new FakeAgent("n1", Identity.loadOrIssue(ca, dir.resolve("test-ids"), "n1"));
        register(List.of());
        // A real agent reports its exit once a signal killed the job: 128 + signal.
        agent.onSignal = r -> {
            JobInfo j = stub().getJob(JobRef.newBuilder().setCaller(ROOT).setJob(r.getJob()).build());
            stub().reportJobExit(JobExitReport.newBuilder().setNode("n1").setJob(r.getJob()).setHostPid(j.getHostPid())
                    .setExitCode(128 + r.getSignal()).build());
            return io.roam.proto.Ack.newBuilder().setOk(true).build();
        };
    }

    static Caller caller(int uid) { return Caller.newBuilder().setUid(uid).setGid(uid).setUser(uid == 0 ? "root" : "u" + uid).build(); }

    CoordinatorGrpc.CoordinatorBlockingStub stub() {
        return CoordinatorGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Registers n1 holding {@code running}, which is also what its agent says when asked again. */
    void register(List<JobInfo> running) {
        List<JobInfo> now = List.copyOf(running);
        agent.held = () -> now;
        registerWithList(running);
    }

    /** Registers n1 with a list of held jobs that may be older than what its agent holds now ({@code agent.held}). */
    void registerWithList(List<JobInfo> running) {
        stub().registerNode(RegisterNodeRequest.newBuilder().setNode(NodeInfo.newBuilder().setId("n1").setAddress(agent.address())
                .setLoad(NodeLoad.newBuilder().setCores(2)).setCriuVersion("4.2.1")).addAllRunning(running).build());
    }

    JobInfo submit(Caller caller, String name, String... argv) {
        return stub().submit(SubmitRequest.newBuilder().setCaller(caller).setSpec(spec(caller, name, argv)).build());
    }

    static JobSpec spec(Caller caller, String name, String... argv) {
        return JobSpec.newBuilder().addAllArgv(List.of(argv)).setCwd("/tmp").setUid(caller.getUid()).setGid(caller.getGid())
                .setUser(caller.getUser()).setName(name).build();
    }

    JobInfo get(Caller caller, String job) { return stub().getJob(JobRef.newBuilder().setCaller(caller).setJob(job).build()); }

    /** Asserts that {@code call} fails with {@code code} and a description containing {@code text}. */
    static void assertRefused(ThrowingCallable call, Status.Code code, String text) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            org.assertj.core.api.Assertions.assertThat(e.getStatus().getCode()).isEqualTo(code);
            org.assertj.core.api.Assertions.assertThat(e.getStatus().getDescription()).contains(text);
        });
    }

    void restartCoordinator() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        coordinator.close();
        coordinator = Coordinator.start(new Coordinator.Config(home, "127.0.0.1:0", Optional.empty()));
        channel = Tls.channel(coordinator.address(), client);
    }

    @Override public void close() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        coordinator.close();
        agent.close();
    }
}
