package io.roam.core;

import java.nio.file.Path;
import java.util.Map;

/**
 * The on-disk layout of one roam installation. All commands find the cluster through it, without flags:
 * {@code $ROAM_HOME}, or {@code /var/lib/roam} when unset.
 *
 * <pre>
 * agent.sock           the local agent's unix socket (CLI calls; peer credentials authenticate the caller)
 * coordinator.addr     host:port of the coordinator's gRPC endpoint, written by the coordinator
 * ca/                  cluster CA (ca.crt, ca.key), cluster.id, cluster.secret, issued certificates
 * coordinator/         embedded ZooKeeper data
 * nodes/NODE/          one agent's state: jobs/ (job table, for re-adoption), images/CHECKPOINT/
 * spool/JOB/           out, err, exit, tmp/ of a job: same path wherever the job runs on this machine
 * lib/                 content-addressed native binaries (roam-init-HASH)
 * run/                 pid files and the supervisors' exit logs
 * log/                 daemon logs
 * </pre>
 */
public record RoamHome(Path root) {
    public static final String ENV = "ROAM_HOME";
    public static final Path DEFAULT = Path.of("/var/lib/roam");

    public static RoamHome fromEnvironment() { return fromEnvironment(System.getenv()); }

    public static RoamHome fromEnvironment(Map<String, String> env) {
        String v = env.get(ENV);
        return new RoamHome(v == null || v.isBlank() ? DEFAULT : Path.of(v).toAbsolutePath().normalize());
    }

    public Path agentSocket() { return root.resolve("agent.sock"); }
    public Path coordinatorAddressFile() { return root.resolve("coordinator.addr"); }
    public Path caDir() { return root.resolve("ca"); }
    public Path coordinatorDir() { return root.resolve("coordinator"); }
    public Path nodeDir(NodeId node) { return root.resolve("nodes").resolve(node.value()); }
    public Path jobTableDir(NodeId node) { return nodeDir(node).resolve("jobs"); }
    public Path imagesDir(NodeId node) { return nodeDir(node).resolve("images"); }
    public Path imageDir(NodeId node, CheckpointId id) { return imagesDir(node).resolve(id.value()); }
    public Path spoolDir(JobId job) { return root.resolve("spool").resolve(job.value()); }
    public Path libDir() { return root.resolve("lib"); }
    public Path runDir() { return root.resolve("run"); }
    public Path logDir() { return root.resolve("log"); }
}
