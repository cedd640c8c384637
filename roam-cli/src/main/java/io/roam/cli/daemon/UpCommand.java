package io.roam.cli.daemon;

import io.roam.cli.CliContext;
import io.roam.cli.Verbosity;
import io.roam.cli.daemon.StartOutcome.AlreadyUp;
import io.roam.cli.daemon.StartOutcome.Restarted;
import io.roam.cli.daemon.StartOutcome.StartFailed;
import io.roam.cli.daemon.StartOutcome.Started;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import io.roam.cli.daemon.net.IpCommand;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code roam up}: starts this machine's coordinator and agent n1 under roam-supervise, or restarts what is missing,
 * and waits until both serve. Idempotent.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start roam on this machine (as root): the coordinator and the agent, each under a supervisor.",
            "Safe to repeat: what already runs is left alone. Jobs that outlived 'roam down' are re-adopted."})
public final class UpCommand implements Callable<Integer> {
    static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(60);
    static final NodeId LOCAL_NODE = NodeId.of("n1");
    private static final int LOG_LINES = 15;

    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Mixin
    StateDirOption state;

    @Option(names = "--nodes", paramLabel = "N",
            description = "Start a local cluster of N agents (n1…nN), each in its own network namespace on a bridge roam creates.")
    Integer nodes;

    @Option(names = "--policy", paramLabel = "NAME",
            description = "Balancing policy the coordinator runs every second: local or local-only (never moves), random, least-loaded, power-of-D, age, work-stealing, jiq, roam (default: roam). Applies when the coordinator starts.")
    String policy;

    @Option(names = "--owner-grace", paramLabel = "DURATION", converter = io.roam.cli.args.DurationConverter.class,
            description = "How long a node's owner may be back before its guest jobs move away (default: 10m). Applies when the coordinator starts.")
    Duration ownerGrace;

    public UpCommand(CliContext ctx) { this.ctx = ctx; }

    /** The coordinator's balancing flags, checked here so that a bad one fails roam up at once. */
    private List<String> balanceArgs() {
        var args = new java.util.ArrayList<String>();
        if (policy != null) {
            io.roam.core.policy.Policies.create(policy, io.roam.core.policy.PolicySettings.defaults(), new java.util.Random(0));
            args.addAll(List.of("--policy", policy));
        }
        if (ownerGrace != null) args.addAll(List.of("--owner-grace", ownerGrace.toMillis() + "ms"));
        return args;
    }

    @Override
    public Integer call() {
        if (!ctx.isRoot()) return error("roam up must run as root (the agent runs jobs as their users and drives CRIU): run 'sudo roam up'");
        RoamHome home = state.home(ctx.home());
        String dist = ctx.env().get(CliContext.DIST_ENV);
        if (dist == null || dist.isBlank()) {
            return error(CliContext.DIST_ENV + " is not set: run roam through its launcher, bin/roam of the distribution");
        }
        Path supervise = Path.of(dist, "lib", "native", Supervisor.BINARY);
        if (!Files.isExecutable(supervise)) {
            return error(supervise + " is missing or not executable: rebuild the distribution (scripts/setup)");
        }
        createHome(home);
        var starter = new DaemonStarter(new SuperviseLauncher(supervise, Path.of(dist, "bin", "roam"), home), READY_TIMEOUT);
        try (HomeLock lock = HomeLock.acquire(home, LOCK_TIMEOUT).orElse(null)) {
            if (lock == null) return error("another 'roam up' or 'roam down' has held " + home.runDir().resolve("up.lock")
                    + " for " + LOCK_TIMEOUT.toSeconds() + " s: wait for it, or check for a stuck roam process");
            Optional<LocalCluster> cluster;
            List<String> balance;
            try {
                balance = balanceArgs();
                cluster = LocalCluster.plan(home, nodes, new IpCommand());
            } catch (IllegalArgumentException | IllegalStateException e) {
                return error(e.getMessage());
            }
            if (cluster.isPresent() && Readiness.coordinator(home).filter(a -> !a.startsWith(cluster.get().network().hostAddress() + ":")).isPresent()) {
                return error("roam is up without a local cluster network in " + home.root() + ": run 'roam down' first, then 'roam up --nodes " + nodes + "'");
            }
            cluster.ifPresent(LocalCluster::createNetwork);
            Daemon coordinatorDaemon = cluster.map(LocalCluster::coordinator).orElseGet(() -> Daemon.coordinator(home)).withArgs(balance);
            StartOutcome coordinator = starter.ensureUp(coordinatorDaemon, () -> Readiness.coordinator(home),
                    home.coordinatorAddressFile());
            if (!report(coordinator)) return 1;
            List<Daemon> agents = cluster.map(LocalCluster::agents).orElseGet(() -> List.of(Daemon.agent(home, LOCAL_NODE)));
            boolean allUp = coordinator instanceof AlreadyUp;
            for (Daemon d : agents) {
                NodeId node = NodeId.of(d.args().get(d.args().indexOf("--node") + 1));
                Path socket = AgentSockets.of(home, node);
                StartOutcome agent = starter.ensureUp(d, () -> Readiness.agent(socket), socket);
                if (!report(agent)) return 1;
                allUp &= agent instanceof AlreadyUp;
            }
            cluster.ifPresent(c -> ctx.out().println("local cluster: " + c.size() + " node(s) on bridge " + c.network().bridge()
                    + ", coordinator at " + c.network().hostAddress() + ", n1 at " + c.network().nodeAddress(1)));
            if (allUp) {
                ctx.out().println("roam is already up");
            } else {
                ctx.out().println("roam is up (state in " + home.root() + ")");
            }
            return 0;
        }
    }

    /** Prints what happened to one daemon; false when it failed. */
    private boolean report(StartOutcome outcome) {
        switch (outcome) {
            case AlreadyUp(Daemon d, String detail) -> {
                if (verbosity.level() > 0) ctx.out().println(d.label() + " is already running" + at(detail));
            }
            case Started(Daemon d, Supervisor s, String detail) ->
                    ctx.out().println("started " + d.label() + at(detail) + " (supervisor pid " + s.pid() + ")");
            case Restarted(Daemon d, Supervisor s, String detail) ->
                    ctx.out().println("restarted " + d.label() + at(detail) + " under its supervisor (pid " + s.pid()
                            + "), which had kept its jobs alive");
            case StartFailed(Daemon d, String reason, Path log) -> {
                error(reason + ": see " + log);
                LogTail.lastLines(log, LOG_LINES).forEach(l -> ctx.err().println("  " + l));
                return false;
            }
        }
        return true;
    }

    private static String at(String detail) { return detail.isEmpty() ? "" : " at " + detail; }

    private static void createHome(RoamHome home) {
        try {
            Files.createDirectories(home.runDir());
            Files.createDirectories(home.logDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the roam home " + home.root(), e);
        }
    }

    private int error(String message) {
        ctx.err().println("roam: error: " + message);
        return 1;
    }
}
