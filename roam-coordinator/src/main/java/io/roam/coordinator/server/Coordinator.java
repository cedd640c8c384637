package io.roam.coordinator.server;

import io.grpc.Server;
import io.roam.coordinator.agents.AgentClients;
import io.roam.coordinator.checkpoints.Checkpoints;
import io.roam.coordinator.checkpoints.SleepWake;
import io.roam.coordinator.jobs.ExitReports;
import io.roam.coordinator.jobs.JobControl;
import io.roam.coordinator.jobs.JobLookup;
import io.roam.coordinator.jobs.JobNotifier;
import io.roam.coordinator.jobs.JobQueries;
import io.roam.coordinator.jobs.JobSubmission;
import io.roam.coordinator.jobs.JobTransitions;
import io.roam.coordinator.jobs.Readoption;
import io.roam.coordinator.membership.AttachService;
import io.roam.coordinator.membership.JoinEndpoint;
import io.roam.coordinator.membership.LiveNodes;
import io.roam.coordinator.membership.Membership;
import io.roam.coordinator.placement.LeastLoadedPlacement;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.coordinator.store.ZkNodeStore;
import io.roam.coordinator.zookeeper.EmbeddedZooKeeper;
import io.roam.core.RoamHome;
import io.roam.rpc.ClusterCa;
import io.roam.rpc.HostPort;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.state.SessionConnectionStateErrorPolicy;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running coordinator: ZooKeeper (embedded unless an ensemble is given), Curator, leadership on
 * {@code /roam/leader} (a standby blocks until it wins), the cluster CA and the gRPC service with mutual TLS.
 * Closing it stops all of that in reverse order.
 */
public final class Coordinator implements AutoCloseable {
    public static final String LEADER_PATH = "/roam/leader";
    public static final String SESSION_TIMEOUT_PROPERTY = "roam.zookeeper.sessionTimeoutMs";
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    /** How to run: the roam home, the gRPC listen address, and an external ZooKeeper (empty: embedded). */
    public record Config(RoamHome home, String listen, Optional<String> zookeeper) {}

    private final List<AutoCloseable> resources = new ArrayList<>(); // closed in reverse order
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean leadershipLost;
    private String address;
    private String clusterId;
    private io.roam.coordinator.balance.BalanceSettings balanceSettings;
    private Optional<io.roam.core.net.JobAddressPool> jobNet = Optional.empty();

    private Coordinator() {}

    public static Coordinator start(Config config) { return start(config, io.roam.coordinator.balance.BalanceSettings.defaults()); }

    /** Starts a coordinator that balances as {@code balance} says (the policy, the owner's grace period, …). */
    public static Coordinator start(Config config, io.roam.coordinator.balance.BalanceSettings balance) {
        return start(config, balance, Optional.empty());
    }

    /** Like {@link #start(Config, io.roam.coordinator.balance.BalanceSettings)}; --net jobs get addresses from {@code jobNet}. */
    public static Coordinator start(Config config, io.roam.coordinator.balance.BalanceSettings balance,
                                    Optional<io.roam.core.net.JobAddressPool> jobNet) {
        Coordinator c = new Coordinator();
        c.balanceSettings = balance;
        c.jobNet = jobNet;
        try {
            c.startAll(config);
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void startAll(Config config) {
        HostPort listen = HostPort.parse(config.listen());
        String connect = config.zookeeper().orElseGet(() -> {
            EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(config.home().coordinatorDir().resolve("zk"));
            resources.add(zk);
            return zk.connectString();
        });
        CuratorFramework curator = CuratorFrameworkFactory.builder().connectString(connect)
                .retryPolicy(new ExponentialBackoffRetry(200, 10, 5_000)).sessionTimeoutMs(sessionTimeoutMs()).connectionTimeoutMs(5_000)
                // leadership ends when the session is LOST, not when the connection is merely SUSPENDED: losing one
                // server of an ensemble moves the session to another server and must not stop the leader
                .connectionStateErrorPolicy(new SessionConnectionStateErrorPolicy()).build();
        resources.add(curator);
        curator.start();
        awaitConnected(curator, connect);

        ClusterCa ca = ClusterCa.loadOrCreate(config.home().caDir());
        clusterId = ca.clusterId();
        Identity identity = Identity.loadOrIssue(ca, config.home().caDir().resolve("issued"), "coordinator", List.of(listen.host()));

        LeaderLatch latch = new LeaderLatch(curator, LEADER_PATH, "coordinator@" + listen);
        latch.addListener(new LeaderLatchListener() {
            @Override public void isLeader() { LOG.info("this coordinator is the leader"); }

            @Override public void notLeader() {
                LOG.error("lost leadership (ZooKeeper session lost): stopping so that a standby can take over");
                leadershipLost = true;
                Thread.ofVirtual().start(Coordinator.this::close);
            }
        });
        resources.add(latch);
        start(latch);
        awaitLeadership(latch);

        LongSupplier clock = System::currentTimeMillis;
        ZkJobStore store = new ZkJobStore(curator);
        Membership membership = new Membership(new ZkNodeStore(curator), clock);
        AgentClients agents = new AgentClients(identity, membership::address);
        resources.add(agents);
        JobNotifier notifier = new JobNotifier();
        JobTransitions transitions = new JobTransitions(store, notifier, clock);
        JobLookup lookup = new JobLookup(store);
        ExitReports exits = new ExitReports(store, transitions);
        JobControl control = new JobControl(store, lookup, transitions, agents);
        Checkpoints checkpoints = new Checkpoints(store, lookup, transitions, exits, agents, clusterId, clock);
        transitions.onDeleteJobData(checkpoints::deleteAll);
        var ops = new CoordinatorService.Operations(membership, exits,
                new JobSubmission(store, transitions, exits, membership, agents, new LeastLoadedPlacement(new SecureRandom()), clock,
                        new io.roam.coordinator.jobs.JobAddresses(jobNet, new io.roam.coordinator.store.ZkAddressStore(curator), store)),
                new JobQueries(store, lookup, membership, notifier),
                control, new Readoption(exits, control, agents), checkpoints, new SleepWake(store, membership, checkpoints), clusterId);

        var migration = io.roam.coordinator.migration.MigrationService.start(curator, store, transitions, exits, agents, membership,
                identity, clusterId, clock);
        resources.add(migration);
        var eventStore = new io.roam.coordinator.store.ZkEventStore(curator, 1000);
        var eventLog = new io.roam.coordinator.balance.EventLog(eventStore, clock);
        var balancer = new io.roam.coordinator.balance.Balancer(balanceSettings, membership, store, migration.orchestrator(), eventLog, clock);
        resources.add(balancer);
        resources.add(new io.roam.coordinator.recovery.Keeper(io.roam.coordinator.recovery.Keeper.RESTART_AFTER, store, membership,
                checkpoints, transitions, migration, eventLog, clusterId, clock));
        Server server = Tls.startServer(listen.toString(), identity, new CoordinatorService(ops), migration,
                new AttachService(membership, new LiveNodes(curator), clusterId),
                new io.roam.coordinator.balance.BalanceService(eventStore, membership, balancer));
        resources.add(() -> {
            server.shutdown();
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        });
        String host = listen.host().equals("0.0.0.0") || listen.host().equals("::") ? "127.0.0.1" : listen.host();
        address = new HostPort(host, server.getPort()).toString();
        resources.add(JoinEndpoint.start(listen.host(), identity, ca, () -> address, config.home().root()));
    }

    /** HOST:PORT of the gRPC endpoint as it listens now. */
    public String address() { return address; }

    public String clusterId() { return clusterId; }

    /** Blocks until the coordinator has stopped; true when it stopped because it lost leadership. */
    public boolean awaitTermination() throws InterruptedException {
        terminated.await();
        return leadershipLost;
    }

    @Override public synchronized void close() {
        if (terminated.getCount() == 0) return;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) { // AutoCloseable.close declares throws Exception
                LOG.warn("while stopping: {}", e.toString());
            }
        }
        resources.clear();
        terminated.countDown();
        LOG.info("coordinator stopped");
    }

    /**
     * The ZooKeeper session timeout: how long a killed leader keeps leadership before a standby takes over. 15 s, or
     * the system property {@value #SESSION_TIMEOUT_PROPERTY} (milliseconds; the ensemble bounds it to 2-20 ticks).
     */
    static int sessionTimeoutMs() { return Integer.getInteger(SESSION_TIMEOUT_PROPERTY, 15_000); }

    private static void awaitConnected(CuratorFramework curator, String connect) {
        try {
            if (!curator.blockUntilConnected((int) CONNECT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("cannot reach ZooKeeper at " + connect + " within "
                        + CONNECT_TIMEOUT.toSeconds() + " s: check --zookeeper and that the ensemble runs");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to ZooKeeper", e);
        }
    }

    private static void start(LeaderLatch latch) {
        try {
            latch.start();
        } catch (Exception e) { // LeaderLatch.start declares throws Exception
            throw new IllegalStateException("cannot join the leader election on " + LEADER_PATH + ": " + e.getMessage(), e);
        }
    }

    private static void awaitLeadership(LeaderLatch latch) {
        try {
            long wait = 2;
            while (!latch.await(wait, TimeUnit.SECONDS)) {
                LOG.info("standing by: another coordinator leads ({}); serving once it stops", latch.getLeader().getId());
                wait = 30;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for leadership", e);
        } catch (Exception e) { // getLeader declares throws Exception
            throw new IllegalStateException("leader election failed: " + e.getMessage(), e);
        }
    }
}
