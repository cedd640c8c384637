package io.roam.agent.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.proto.JobInfo;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobTableTest {
    @TempDir Path dir;

    @Test
    void jobsSurviveARestartOfTheTable() {
        var t = new JobTable(dir);
        t.put(JobInfo.newBuilder().setId("a").setHostPid(10).setHostPidStart(99).build());
        t.put(JobInfo.newBuilder().setId("b").setHostPid(11).build());
        t.remove("b");
        var again = new JobTable(dir);
        assertThat(again.all()).extracting(JobInfo::getId).containsExactly("a");
        assertThat(again.get("a").orElseThrow().getHostPidStart()).isEqualTo(99);
    }

    @Test
    void oneOperationAtATimePerJob() {
        var t = new JobTable(dir);
        assertThat(t.markBusy("a")).isTrue();
        assertThat(t.markBusy("a")).isFalse();
        assertThat(t.isBusy("a")).isTrue();
        t.clearBusy("a");
        assertThat(t.markBusy("a")).isTrue();
    }
}
