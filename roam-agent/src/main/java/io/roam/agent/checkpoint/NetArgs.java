package io.roam.agent.checkpoint;

import io.roam.agent.net.JobNetwork;
import io.roam.core.net.JobNetPlan;
import io.roam.criu.RestoreSpec;
import io.roam.proto.JobInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * CRIU's options for a job with its own network namespace (CRIU-FACTS, "TCP connection kept across a move"): the
 * namespace is external (CRIU neither dumps nor recreates it: roam plumbs a fresh one with the same address), the
 * established connections are dumped in repair mode behind an nftables lock, and the restored tree is put into the new
 * namespace, which criu inherits as a descriptor.
 */
public final class NetArgs {
    /** The descriptor criu gets the job's new namespace on. */
    static final int NETNS_FD = 9;

    private NetArgs() {}

    /** Extra dump options: none for a job that shares its node's namespace. */
    public static List<String> dump(JobInfo job) {
        if (job.getNetAddress().isEmpty()) return List.of();
        return List.of("--tcp-established", "--external", "net[" + netnsInode(job.getHostPid()) + "]:" + JobNetPlan.CRIU_KEY,
                "--network-lock", "nftables");
    }

    static RestoreSpec restore(Path dir, Duration timeout, JobNetwork.Prepared net) {
        return new RestoreSpec(dir, timeout, List.of("--tcp-established", "--inherit-fd", "fd[" + NETNS_FD + "]:" + JobNetPlan.CRIU_KEY),
                Map.of(NETNS_FD, net.namespace()));
    }

    private static long netnsInode(long pid) {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc", Long.toString(pid), "ns", "net"), "unix:ino")).longValue();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the network namespace of pid " + pid, e);
        }
    }
}
