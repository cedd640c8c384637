package io.roam.coordinator.jobs;

import io.roam.core.CheckpointId;
import io.roam.core.JobId;
import io.roam.core.JobRecord;
import io.roam.core.JobState;
import io.roam.core.NodeId;
import io.roam.proto.JobInfo;
import java.util.Optional;

/** The one place that converts between the wire/store form (JobInfo) and the state machine's JobRecord. */
public final class JobRecords {
    private JobRecords() {}

    public static JobRecord toRecord(JobInfo info) {
        return new JobRecord(
                JobId.of(info.getId()),
                info.getSpec().getUid(),
                toCore(info.getState()),
                info.getNode().isEmpty() ? Optional.empty() : Optional.of(NodeId.of(info.getNode())),
                info.getHostPid(),
                info.getHostPidStart(),
                info.getCheckpoint().isEmpty() ? Optional.empty() : Optional.of(CheckpointId.parse(info.getCheckpoint())),
                info.getHasExitCode() ? Optional.of(info.getExitCode()) : Optional.empty(),
                info.getReason(),
                info.getAsleep(),
                info.getCreatedMs(),
                info.getStateSinceMs());
    }

    /** {@code base} (spec, rss, version) with every field the state machine owns taken from {@code r}. */
    public static JobInfo merge(JobInfo base, JobRecord r) {
        if (!base.getId().equals(r.id().value())) throw new IllegalArgumentException("record " + r.id() + " merged into job " + base.getId());
        return base.toBuilder()
                .setState(toProto(r.state()))
                .setNode(r.node().map(NodeId::value).orElse(""))
                .setHostPid(r.hostPid())
                .setHostPidStart(r.hostPidStart())
                .setCheckpoint(r.checkpoint().map(CheckpointId::value).orElse(""))
                .setHasExitCode(r.exitCode().isPresent())
                .setExitCode(r.exitCode().orElse(0))
                .setReason(r.reason())
                .setAsleep(r.asleep())
                .setCreatedMs(r.createdMs())
                .setStateSinceMs(r.stateSinceMs())
                .build();
    }

    public static JobState toCore(io.roam.proto.JobState s) {
        return switch (s) {
            case PENDING -> JobState.PENDING;
            case RUNNING -> JobState.RUNNING;
            case CHECKPOINTING -> JobState.CHECKPOINTING;
            case CHECKPOINTED -> JobState.CHECKPOINTED;
            case RESTORING -> JobState.RESTORING;
            case EXITED -> JobState.EXITED;
            case FAILED -> JobState.FAILED;
            case LOST -> JobState.LOST;
            case MIGRATING -> JobState.MIGRATING;
            case JOB_STATE_UNSPECIFIED, UNRECOGNIZED -> throw new IllegalArgumentException("job record without a state: " + s);
        };
    }

    public static io.roam.proto.JobState toProto(JobState s) {
        return switch (s) {
            case PENDING -> io.roam.proto.JobState.PENDING;
            case RUNNING -> io.roam.proto.JobState.RUNNING;
            case CHECKPOINTING -> io.roam.proto.JobState.CHECKPOINTING;
            case CHECKPOINTED -> io.roam.proto.JobState.CHECKPOINTED;
            case RESTORING -> io.roam.proto.JobState.RESTORING;
            case EXITED -> io.roam.proto.JobState.EXITED;
            case FAILED -> io.roam.proto.JobState.FAILED;
            case LOST -> io.roam.proto.JobState.LOST;
            case MIGRATING -> io.roam.proto.JobState.MIGRATING;
        };
    }
}
