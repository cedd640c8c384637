package io.roam.coordinator.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.core.CheckpointId;
import io.roam.core.JobId;
import io.roam.core.JobRecord;
import io.roam.core.JobState;
import io.roam.core.NodeId;
import io.roam.proto.JobInfo;
import io.roam.proto.JobSpec;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JobRecordsTest {
    @Test void everyStateMapsBothWays() {
        for (JobState s : JobState.values()) assertThat(JobRecords.toCore(JobRecords.toProto(s))).isEqualTo(s);
    }

    @Test void aRecordSurvivesTheRoundTripAndTheSpecIsKept() {
        JobRecord r = new JobRecord(JobId.of("w"), 1000, JobState.CHECKPOINTED, Optional.of(NodeId.of("n2")), 0, 0,
                Optional.of(CheckpointId.parse("w.3")), Optional.of(137), "slept", true, 100, 200);
        JobInfo base = JobInfo.newBuilder().setId("w").setSpec(JobSpec.newBuilder().setUid(1000).addArgv("/bin/x")).setRssBytes(5).setVersion(4).build();
        JobInfo merged = JobRecords.merge(base, r);
        assertThat(JobRecords.toRecord(merged)).isEqualTo(r);
        assertThat(merged.getSpec()).isEqualTo(base.getSpec());
        assertThat(merged.getVersion()).isEqualTo(4);
        assertThat(merged.getState()).isEqualTo(io.roam.proto.JobState.CHECKPOINTED);

        JobRecord pending = JobRecord.pending(JobId.of("w"), 1000, Optional.empty(), 5);
        assertThat(JobRecords.toRecord(JobRecords.merge(base, pending))).isEqualTo(pending);
    }
}
