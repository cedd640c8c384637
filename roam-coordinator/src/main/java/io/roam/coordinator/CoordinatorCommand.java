package io.roam.coordinator;

import io.roam.coordinator.server.Coordinator;
import io.roam.core.RoamHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code roam coordinator}: runs a coordinator in the foreground (roam up runs it under roam-supervise). */
@Command(name = "coordinator", mixinStandardHelpOptions = true, description = "Run a roam coordinator in the foreground (normally started by `roam up`).")
public final class CoordinatorCommand implements Callable<Integer> {
    static {
        // slf4j-simple: log to stdout, with times, and keep ZooKeeper's and Curator's chatter to warnings. Runs before the
        // first logger is created (the field below); explicit -D settings win.
        defaultProperty("org.slf4j.simpleLogger.logFile", "System.out");
        defaultProperty("org.slf4j.simpleLogger.showDateTime", "true");
        defaultProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd HH:mm:ss.SSS");
        defaultProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper", "warn");
        defaultProperty("org.slf4j.simpleLogger.log.org.apache.curator", "warn");
    }

    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorCommand.class);

    @Option(names = "--state-dir", description = "roam home (default: $ROAM_HOME or /var/lib/roam)")
    Path stateDir;

    @Option(names = "--listen", description = "gRPC listen address HOST:PORT (default: 127.0.0.1:0; the chosen port is written to coordinator.addr)")
    String listen = "127.0.0.1:0";

    @Option(names = "--zookeeper", description = "external ZooKeeper connect string (default: an embedded server under the state dir)")
    String zookeeper;

    @Option(names = "--policy", paramLabel = "NAME",
            description = "balancing policy, run every second on the nodes' load reports: local or local-only (never moves), random, least-loaded, power-of-D, age, work-stealing, jiq, roam (default: roam)")
    String policy = io.roam.coordinator.balance.BalanceSettings.DEFAULT_POLICY;

    @Option(names = "--owner-grace", paramLabel = "DURATION",
            description = "how long a node's owner may be back before its guest jobs are moved away, e.g. 30s, 10m (default: 10m, HTCondor's MaxSuspendTime)")
    String ownerGrace;

    @Option(names = "--job-net", paramLabel = "CIDR",
            description = "address range for jobs started with --net (roam up --nodes sets it to the local cluster's job /24)")
    String jobNet;

    @Override
    public Integer call() {
        io.roam.coordinator.balance.BalanceSettings balance;
        Optional<io.roam.core.net.JobAddressPool> pool;
        try {
            pool = Optional.ofNullable(jobNet).map(io.roam.core.net.JobAddressPool::parse);
            balance = io.roam.coordinator.balance.BalanceSettings.defaults().withPolicy(policy);
            if (ownerGrace != null) balance = balance.withOwner(balance.owner().withGrace(duration(ownerGrace)));
        } catch (IllegalArgumentException e) {
            System.err.println("roam: error: " + e.getMessage());
            return 1;
        }
        RoamHome home = stateDir == null ? RoamHome.fromEnvironment() : new RoamHome(stateDir.toAbsolutePath().normalize());
        Coordinator coordinator;
        try {
            coordinator = Coordinator.start(new Coordinator.Config(home, listen, Optional.ofNullable(zookeeper)), balance, pool);
        } catch (RuntimeException e) {
            LOG.error("coordinator failed to start: {}", e.getMessage());
            LOG.debug("start failure", e);
            return 1;
        }
        Path addrFile = home.coordinatorAddressFile();
        Thread hook = new Thread(() -> stop(coordinator, addrFile), "roam-coordinator-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        writeAtomically(addrFile, coordinator.address() + "\n");
        LOG.info("coordinator ready at {} (cluster {}, state in {})", coordinator.address(), coordinator.clusterId(), home.root());
        try {
            boolean lost = coordinator.awaitTermination();
            if (lost) {
                stop(coordinator, addrFile);
                return 1;
            }
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(coordinator, addrFile);
            return 1;
        }
    }

    /** 500ms, 30s, 10m, 1h (or ISO-8601, PT30S). */
    static java.time.Duration duration(String s) {
        String v = s.strip().toLowerCase(java.util.Locale.ROOT);
        try {
            if (v.endsWith("ms")) return java.time.Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            java.time.Duration d = java.time.Duration.parse(v.startsWith("p") ? v.toUpperCase(java.util.Locale.ROOT) : "PT" + v.toUpperCase(java.util.Locale.ROOT));
            if (d.isNegative()) throw new IllegalArgumentException("negative");
            return d;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid duration '" + s + "': use for example 500ms, 30s, 10m or 1h");
        }
    }

    private static void stop(Coordinator coordinator, Path addrFile) {
        LOG.info("coordinator stopping");
        coordinator.close();
        try {
            Files.deleteIfExists(addrFile);
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", addrFile, e.toString());
        }
    }

    private static void defaultProperty(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }

    static void writeAtomically(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            Files.writeString(tmp, content, StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
