package io.roam.agent;

import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.roam.agent.checkpoint.CheckpointSteps;
import io.roam.agent.exec.AgentExec;
import io.roam.agent.jobs.ExitWatcher;
import io.roam.agent.jobs.JobTable;
import io.roam.agent.load.LoadMonitor;
import io.roam.agent.membership.AgentCredentials;
import io.roam.agent.membership.Attachment;
import io.roam.agent.local.LocalCommands;
import io.roam.agent.local.LocalServer;
import io.roam.agent.rpc.AgentService;
import io.roam.agent.rpc.CoordinatorLink;
import io.roam.agent.sandbox.JobProcesses;
import io.roam.agent.sandbox.SandboxLauncher;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import io.roam.criu.CheckpointEngine;
import io.roam.criu.CriuCheckpointEngine;
import io.roam.criu.CriuInfo;
import io.roam.nativebin.NativeBinaries;
import io.roam.proto.JobExitReport;
import io.roam.proto.JobInfo;
import io.roam.proto.JobStats;
import io.roam.proto.NodeInfo;
import io.roam.proto.NodeReport;
import io.roam.proto.RegisterNodeRequest;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's agent: wires the sandbox launcher, CRIU, the job table, the gRPC service for the coordinator, the unix
 * socket for the CLI, and the loops that report load and exits. Jobs do not depend on the agent: they keep running
 * when it stops and are re-adopted from the job table when it starts again.
 */
public final class AgentDaemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentDaemon.class);

    private final RoamHome home;
    private final NodeId node;
    private final JobTable table;
    private final io.roam.agent.net.JobNetwork network;
    private final CoordinatorLink coordinator;
    private final Server server;
    private final io.roam.agent.transfer.TransferService transfer;
    private final io.roam.agent.checkpoint.PendingSeals seals = new io.roam.agent.checkpoint.PendingSeals();
    private final LocalServer local;
    private final ExitWatcher exits;
    private final Thread reporter;
    private final Attachment attachment;
    private final LoadMonitor load = new LoadMonitor();
    private final io.roam.agent.load.JobUsage usage = new io.roam.agent.load.JobUsage();
    private final io.roam.agent.owner.OwnerActivity owner = new io.roam.agent.owner.OwnerActivity();
    private volatile boolean watchOwner;
    private final AgentExec exec;
    private final NodeInfo self;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean registered;

    public AgentDaemon(RoamHome home, NodeId node, String listen, Optional<String> join) throws IOException {
        this(home, node, listen, join, Optional.empty(), home.agentSocket());
    }

    /**
     * @param join   the coordinator's address; with a token, its join endpoint
     * @param token  a join token: join the cluster at {@code join} (a machine without the cluster CA)
     * @param socket the CLI's unix socket
     */
    public AgentDaemon(RoamHome home, NodeId node, String listen, Optional<String> join, Optional<String> token, java.nio.file.Path socket)
            throws IOException {
        this.home = home;
        this.node = node;
        Files.createDirectories(home.nodeDir(node));
        Files.createDirectories(home.imagesDir(node));
        String host = listen.substring(0, listen.lastIndexOf(':'));
        AgentCredentials creds = AgentCredentials.obtain(home, node, join, token,
                host.equals("0.0.0.0") || host.startsWith("[") || host.contains(":") ? List.of() : List.of(host));
        Identity identity = creds.identity();
        Optional<String> coordinatorAt = creds.coordinator().or(() -> token.isPresent() ? Optional.empty() : join);
        Path criuBinary = CriuCheckpointEngine.locateCriu();
        io.roam.criu.KerndatCache.ensure(criuBinary);   // before the first criu run: it would probe the kernel every time
        CheckpointEngine engine = new CriuCheckpointEngine(criuBinary);
        CriuInfo criu = engine.info();
        this.table = new JobTable(home.jobTableDir(node));
        this.network = new io.roam.agent.net.JobNetwork();
        var launcher = new SandboxLauncher(NativeBinaries.install("roam-init", home.libDir()));
        var steps = new CheckpointSteps(engine, table, home, node, creds.secret(), network, seals);
        this.exec = new AgentExec(node, home, identity);
        this.transfer = new io.roam.agent.transfer.TransferService(node, home, table, identity, creds.clusterId(), creds.secret(), criu,
                io.roam.agent.transfer.TransferFaults.fromEnvironment(System.getenv()), seals::await);
        io.grpc.BindableService[] services = {new AgentService(node, home, table, launcher, steps, network), transfer,
                exec.service(), new io.roam.agent.spool.SpoolService(home, table, identity),
                new io.roam.agent.live.LiveService(new io.roam.agent.live.LiveSteps(
                        new io.roam.criu.LazyPages(((CriuCheckpointEngine) engine).criuBinary()), steps, table, home, node,
                        creds.secret(), criu, identity.writePemFiles(home.nodeDir(node).resolve("tls").resolve("criu")), network, transfer))};
        this.server = startServers(listen, identity, transfer, services);
        this.self = NodeInfo.newBuilder().setId(node.value()).setAddress(host + ":" + server.getPort()).setState("up")
                .setCriuVersion(criu.version()).setKernel(criu.kernel()).addAllFeatures(criu.features()).build();
        this.coordinator = new CoordinatorLink(() -> coordinatorAt.or(this::coordinatorAddress), identity);
        this.attachment = new Attachment(node, () -> coordinatorAt.or(this::coordinatorAddress), identity, () -> registered);
        this.exits = new ExitWatcher(table, j -> home.spoolDir(JobId.of(j)),
                home.runDir().resolve("agent-" + node.value() + ".exits"), this::reportExit);
        this.reporter = Thread.ofVirtual().name("reporter").start(this::reportLoop);
        this.local = new LocalServer(socket, new LocalCommands(coordinator, home, node.value(), () -> registered, new io.roam.agent.local.RemoteLogs(identity)),
                exec.localHandler(coordinator));
        log.info("agent {} ready: gRPC {}, CLI socket {}, CRIU {}, {} job(s) re-adopted",
                node, self.getAddress(), socket, criu.version(), table.all().size());
    }

    /**
     * The gRPC server and, on its port + 1, the image transfer's bulk socket. With port 0 (the default) the pair is
     * tried on a few free ports until both are free; with a fixed port whose + 1 is taken the agent runs without the
     * bulk socket (sources then fall back to gRPC) and says so.
     */
    private static Server startServers(String listen, Identity identity, io.roam.agent.transfer.TransferService transfer,
                                       io.grpc.BindableService... services) {
        String host = listen.substring(0, listen.lastIndexOf(':'));
        boolean anyPort = listen.endsWith(":0");
        for (int attempt = 1; ; attempt++) {
            Server s = Tls.startServer(listen, identity, services);
            try {
                transfer.startDataPort(host.startsWith("[") ? host.substring(1, host.length() - 1) : host, s.getPort() + 1);
                return s;
            } catch (java.io.UncheckedIOException e) {
                if (!anyPort) {
                    log.warn("no bulk socket for images ({}); other agents send images here over gRPC", e.getMessage());
                    return s;
                }
                s.shutdownNow();
                if (attempt == 10) throw e;
            }
        }
    }

    private Optional<String> coordinatorAddress() {
        try {
            return Optional.of(Files.readString(home.coordinatorAddressFile()).trim()).filter(s -> !s.isEmpty());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private boolean reportExit(JobInfo job, OptionalInt code) {
        // the namespace went with the job's processes; its veth pair may still be on its way out
        if (!job.getNetAddress().isEmpty()) network.release(job.getNetAddress());
        var report = JobExitReport.newBuilder().setNode(node.value()).setJob(job.getId()).setHostPid(job.getHostPid());
        if (code.isPresent()) report.setExitCode(code.getAsInt());
        else report.setReason("the job's process vanished and its exit status is unknown");
        try {
            coordinator.stub(Duration.ofSeconds(10)).reportJobExit(report.build());
            return true;
        } catch (StatusRuntimeException e) {
            log.debug("exit report for {} deferred: {}", job.getId(), e.getStatus());
            return false;
        }
    }

    private void reportLoop() {
        while (stopped.getCount() > 0) {
            try {
                if (!registered) {
                    coordinator.stub(Duration.ofSeconds(10)).registerNode(RegisterNodeRequest.newBuilder()
                            .setNode(self.toBuilder().setLoad(load.sample(table.all().size()))).addAllRunning(table.all()).build());
                    registered = true;
                    log.info("registered with the coordinator as {}", node);
                }
                var report = NodeReport.newBuilder().setNode(node.value()).setSentMs(System.currentTimeMillis());
                java.util.Map<String, Long> roots = new java.util.HashMap<>();
                java.util.Collection<JobInfo> jobs = table.all();
                for (JobInfo j : jobs) if (JobProcesses.alive(j.getHostPid(), j.getHostPidStart())) roots.put(j.getId(), j.getHostPid());
                var used = usage.sample(roots, System.nanoTime());
                int jobRunnable = 0;
                for (JobInfo j : jobs) {
                    boolean alive = roots.containsKey(j.getId());
                    var stats = JobStats.newBuilder().setJob(j.getId()).setAlive(alive)
                            .setRssBytes(alive ? JobProcesses.rssBytes(j.getHostPid()) : 0);
                    var u = used.get(j.getId());
                    if (u != null) {
                        stats.setCpuSeconds(u.cpuSeconds()).setCpuRate(u.rate());
                        if (u.runnable()) jobRunnable++;
                    }
                    report.addJobs(stats);
                }
                var nodeLoad = load.sample(jobs.size()).toBuilder().setJobRunnable(jobRunnable);
                nodeLoad.setNonRoamLoad(Math.max(0, nodeLoad.getLoad1() - jobRunnable));
                if (watchOwner) {
                    nodeLoad.setOwnerDetected(true);
                    owner.sample(System.currentTimeMillis()).ifPresentOrElse(
                            seen -> nodeLoad.setOwnerIdleSeconds(seen.idleSeconds()).setOwnerActivity(seen.what()),
                            () -> nodeLoad.setOwnerIdleSeconds(Double.MAX_VALUE).setOwnerActivity("no input device or terminal"));
                }
                report.setLoad(nodeLoad);
                coordinator.stub(Duration.ofSeconds(5)).reportNode(report.build());
            } catch (StatusRuntimeException e) {
                if (registered) log.warn("lost the coordinator ({}); will register again", e.getStatus().getCode());
                registered = false;
            } catch (RuntimeException e) {
                log.warn("report failed: {}", e.toString());
            }
            try {
                Thread.sleep(registered ? 1000 : 300);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Whether this agent watches for its machine's owner (keyboard, mouse, terminals, non-roam load) and reports it, so
     * that the coordinator moves guest jobs away when the owner returns. Off unless {@code roam agent --owner-detect
     * true}: a dedicated machine has no owner, and the agents of a local cluster share one machine (and one keyboard).
     */
    public AgentDaemon watchOwner(boolean on) {
        watchOwner = on;
        return this;
    }

    public void awaitStop() throws InterruptedException { stopped.await(); }

    @Override
    public void close() {
        if (stopped.getCount() == 0) return;
        stopped.countDown();
        local.close();
        reporter.interrupt();
        attachment.close();
        exits.close();
        server.shutdown();
        seals.awaitAll(java.time.Duration.ofSeconds(30));
        transfer.closeDataPort();
        exec.close();
        transfer.close();
        coordinator.close();
        log.info("agent {} stopped; {} job(s) keep running", node, table.all().size());
    }
}
