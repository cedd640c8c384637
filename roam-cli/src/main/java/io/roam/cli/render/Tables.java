package io.roam.cli.render;

import io.roam.proto.CheckpointInfo;
import io.roam.proto.JobInfo;
import io.roam.proto.NodeInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/** The tables of roam ps, roam checkpoints and roam nodes. */
public final class Tables {
    /** The COMMAND column's width when the terminal's is unknown (output to a pipe or file). */
    public static final int DEFAULT_COMMAND_WIDTH = 60;
    private static final int MIN_COMMAND_WIDTH = 20;

    private Tables() {}

    /**
     * ID NODE STATE AGE RSS COMMAND, with ADDRESS after NODE when a job has its own address ({@code roam run --net});
     * the command fits the terminal, or {@value #DEFAULT_COMMAND_WIDTH} characters.
     */
    public static String jobs(List<JobInfo> jobs, Instant now, OptionalInt terminalColumns) {
        boolean net = jobs.stream().anyMatch(j -> !j.getNetAddress().isEmpty());
        var t = net ? new Table("ID", "NODE", "ADDRESS", "STATE", "AGE", "RSS", "COMMAND")
                : new Table("ID", "NODE", "STATE", "AGE", "RSS", "COMMAND");
        for (JobInfo j : jobs) {
            String rss = j.getRssBytes() > 0 ? Human.bytes(j.getRssBytes()) : "-";
            String command = String.join(" ", j.getSpec().getArgvList());
            if (net) {
                t.row(j.getId(), orDash(j.getNode()), orDash(j.getNetAddress()), state(j), age(now, j.getCreatedMs()), rss, command);
            } else {
                t.row(j.getId(), orDash(j.getNode()), state(j), age(now, j.getCreatedMs()), rss, command);
            }
        }
        int width = terminalColumns.isPresent()
                ? Math.max(MIN_COMMAND_WIDTH, terminalColumns.getAsInt() - t.widthBeforeLast())
                : DEFAULT_COMMAND_WIDTH;
        return t.render(width);
    }

    /**
     * CHECKPOINT JOB NODE AGE SIZE STATE: sleep (taken by roam sleep), snapshot (the job kept running), stopped, or kept
     * (a --checkpoint-every image held off the job's node).
     */
    public static String checkpoints(List<CheckpointInfo> checkpoints, Instant now) {
        var t = new Table("CHECKPOINT", "JOB", "NODE", "AGE", "SIZE", "STATE");
        for (CheckpointInfo c : checkpoints) {
            String state = c.getKept() ? "kept (taken on " + c.getTakenOn() + ")" : c.getSleep() ? "sleep" : c.getLeaveRunning() ? "snapshot" : "stopped";
            t.row(c.getId(), c.getJob(), orDash(c.getNode()), age(now, c.getCreatedMs()), Human.bytes(c.getSizeBytes()), state);
        }
        return t.render();
    }

    /** ID ADDRESS STATE JOBS RUNNABLE CPU% MEM-FREE; CPU% is the node's CPU pressure (PSI some avg10). */
    public static String nodes(List<NodeInfo> nodes) {
        var t = new Table("ID", "ADDRESS", "STATE", "JOBS", "RUNNABLE", "CPU%", "MEM-FREE");
        for (NodeInfo n : nodes) {
            var load = n.getLoad();
            boolean known = n.hasLoad();
            t.row(n.getId(), orDash(n.getAddress()), orDash(n.getState()),
                    known ? Integer.toString(load.getJobs()) : "-",
                    known ? Integer.toString(load.getRunnable()) : "-",
                    known ? String.format(Locale.ROOT, "%.1f", load.getCpuPressure()) : "-",
                    known && load.getMemFreeBytes() > 0 ? Human.bytes(load.getMemFreeBytes()) : "-");
        }
        return t.render();
    }

    /** running, pending, checkpointed, asleep, exited(0), failed, lost … */
    public static String state(JobInfo j) {
        return switch (j.getState()) {
            case EXITED -> j.getHasExitCode() ? "EXITED(" + j.getExitCode() + ")" : "EXITED";
            case CHECKPOINTED -> j.getAsleep() ? "ASLEEP" : "CHECKPOINTED";
            case JOB_STATE_UNSPECIFIED, UNRECOGNIZED -> "UNKNOWN";
            case PENDING, RUNNING, CHECKPOINTING, RESTORING, FAILED, LOST, MIGRATING -> j.getState().name();
        };
    }

    private static String age(Instant now, long sinceMs) {
        return sinceMs <= 0 ? "-" : Human.age(Duration.between(Instant.ofEpochMilli(sinceMs), now));
    }

    private static String orDash(String s) { return s == null || s.isEmpty() ? "-" : s; }
}
