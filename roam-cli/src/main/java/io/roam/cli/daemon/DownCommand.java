package io.roam.cli.daemon;

import io.roam.cli.CliContext;
import io.roam.cli.Verbosity;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import io.roam.cli.daemon.net.IpCommand;
import io.roam.cli.daemon.net.LocalNetwork;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code roam down}: SIGTERM to this machine's agents, then to the coordinator; waits until they exit. Jobs keep
 * running (their supervisor stays while they live) and the next {@code roam up} re-adopts them.
 */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = {"Stop roam's daemons on this machine (as root). Jobs keep running; 'roam up' re-adopts them."})
public final class DownCommand implements Callable<Integer> {
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration POLL = Duration.ofMillis(50);

    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Mixin
    StateDirOption state;

    @Option(names = "--force", description = "Also kill the jobs that still run in a local cluster's node namespaces, so that its network goes too.")
    boolean force;

    public DownCommand(CliContext ctx) { this.ctx = ctx; }

    /** A daemon being stopped: its process if it was found among its supervisor's children, and the file it removes. */
    private record Stopping(Daemon daemon, Supervisor supervisor, Optional<Long> pid, Path marker) {
        boolean gone() {
            return pid.map(p -> !ProcFs.alive(p)).orElseGet(() -> !Files.exists(marker) || !supervisor.alive());
        }
    }

    @Override
    public Integer call() {
        if (!ctx.isRoot()) return error("roam down must run as root: run 'sudo roam down'");
        RoamHome home = state.home(ctx.home());
        if (!Files.isDirectory(home.runDir())) {
            ctx.out().println("roam is already down (nothing in " + home.root() + ")");
            return 0;
        }
        try (HomeLock lock = HomeLock.acquire(home, UpCommand.LOCK_TIMEOUT).orElse(null)) {
            if (lock == null) return error("another 'roam up' or 'roam down' has held " + home.runDir().resolve("up.lock")
                    + " for " + UpCommand.LOCK_TIMEOUT.toSeconds() + " s: wait for it");
            OptionalInt jobs = Readiness.runningJobs(home);
            long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
            int stopped = 0;
            // agents first: they may still report to the coordinator while they shut down
            for (Daemon d : daemons(home)) {
                Optional<Stopping> s = stop(d, home);
                if (s.isEmpty()) continue;
                if (!await(s.get(), deadline)) {
                    String pid = s.get().pid().map(p -> " (pid " + p + ")").orElse("");
                    return error(d.label() + pid + " did not exit within " + STOP_TIMEOUT.toSeconds() + " s of SIGTERM: see "
                            + d.logFile(home) + s.get().pid().map(p -> "; 'kill -KILL " + p + "' stops it hard").orElse(""));
                }
                ctx.out().println("stopped " + d.label() + s.get().pid().map(p -> " (pid " + p + ")").orElse(""));
                stopped++;
            }
            if (stopped == 0) {
                ctx.out().println("roam is already down");
            } else if (jobs.isPresent()) {
                int n = jobs.getAsInt();
                ctx.out().println("roam is down; " + n + (n == 1 ? " job keeps" : " jobs keep")
                        + " running and will be re-adopted by 'roam up'");
            } else {
                ctx.out().println("roam is down; running jobs keep running and will be re-adopted by 'roam up'");
            }
            LocalNetwork.saved(home.root(), home.runDir(), new IpCommand()).ifPresent(n -> removeNetwork(n, home));
            return 0;
        }
    }

    /** Removes the local cluster's bridge and namespaces, unless jobs still live in a namespace (it then stays). */
    private void removeNetwork(LocalNetwork network, RoamHome home) {
        int live = jobProcesses(network, home).size();
        if (live > 0 && force) {
            live = killJobs(network, home);
            if (live == 0) ctx.out().println("killed the jobs still running in the nodes' namespaces");
        }
        if (live > 0) {
            ctx.out().println("kept the local network (bridge " + network.bridge() + "): " + live + " process(es) of jobs still run in"
                    + " the nodes' namespaces; 'roam down' removes it once they have ended");
            return;
        }
        network.destroy();
        ctx.out().println("removed the local network (bridge " + network.bridge() + " and the nodes' namespaces)");
    }

    /**
     * The processes in the nodes' namespaces, and every process below the agents' supervisors: the jobs started with
     * --net live in namespaces of their own, reachable only through their node's.
     */
    private static java.util.Set<Long> jobProcesses(LocalNetwork network, RoamHome home) {
        var out = new java.util.LinkedHashSet<Long>();
        for (Daemon d : daemons(home)) {
            if (d.args().getFirst().equals("coordinator")) continue;
            Supervisor.fromPidFile(d.pidFile(home)).ifPresent(s -> out.addAll(descendants(s.pid())));
        }
        for (int k : network.nodes()) {
            for (long pid : network.pids(k)) {
                out.add(pid);
                out.addAll(descendants(pid));
            }
        }
        return out;
    }

    /** SIGKILL to every job process ({@link #jobProcesses}); how many are left after {@link #STOP_TIMEOUT}. */
    private static int killJobs(LocalNetwork network, RoamHome home) {
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        while (true) {
            var left = jobProcesses(network, home);
            for (long pid : left) PosixSignals.send(pid, PosixSignals.SIGKILL);
            if (left.isEmpty() || System.nanoTime() > deadline) return left.size();
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return left.size();
            }
        }
    }

    private static List<Long> descendants(long pid) {
        var out = new ArrayList<Long>();
        var todo = new java.util.ArrayDeque<>(ProcFs.children(pid));
        while (!todo.isEmpty() && out.size() < 100_000) {
            long p = todo.poll();
            out.add(p);
            todo.addAll(ProcFs.children(p));
        }
        return out;
    }

    /** SIGTERM to the daemon; to its supervisor (which forwards it) when the daemon is not recognizable. */
    private Optional<Stopping> stop(Daemon d, RoamHome home) {
        Optional<Supervisor> supervisor = Supervisor.fromPidFile(d.pidFile(home));
        if (supervisor.isEmpty()) return Optional.empty();
        Supervisor s = supervisor.get();
        boolean coordinator = d.args().getFirst().equals("coordinator");
        Path marker = coordinator ? home.coordinatorAddressFile()
                : AgentSockets.of(home, NodeId.of(d.name().substring("agent-".length())));
        Optional<Long> pid = s.daemon(d);
        if (pid.isPresent()) {
            if (!PosixSignals.send(pid.get(), PosixSignals.SIGTERM)) return Optional.empty();
        } else {
            // no recognizable daemon child: the supervisor only keeps jobs alive, unless something still serves
            // there (a daemon started in another shape); then the supervisor forwards SIGTERM to it
            boolean serving = coordinator ? Readiness.coordinator(home).isPresent() : Readiness.agent(marker).isPresent();
            if (!serving || !s.signal(PosixSignals.SIGTERM)) return Optional.empty();
        }
        if (verbosity.level() > 0) ctx.err().println("roam: sent SIGTERM to " + d.label() + pid.map(p -> " (pid " + p + ")").orElse(""));
        return Optional.of(new Stopping(d, s, pid, marker));
    }

    private static boolean await(Stopping s, long deadline) {
        while (!s.gone()) {
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Every agent with a pid file in run/, then the coordinator. */
    static List<Daemon> daemons(RoamHome home) {
        var out = new ArrayList<Daemon>();
        try (Stream<Path> files = Files.list(home.runDir())) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("agent-") && n.endsWith(".supervise.pid"))
                    .sorted()
                    .map(n -> n.substring("agent-".length(), n.length() - ".supervise.pid".length()))
                    .flatMap(n -> node(n).stream())
                    .forEach(node -> out.add(Daemon.agent(home, node)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + home.runDir(), e);
        }
        out.add(Daemon.coordinator(home));
        return out;
    }

    private static Optional<NodeId> node(String name) {
        try {
            return Optional.of(NodeId.of(name));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // not a pid file roam up wrote
        }
    }

    private int error(String message) {
        ctx.err().println("roam: error: " + message);
        return 1;
    }
}
