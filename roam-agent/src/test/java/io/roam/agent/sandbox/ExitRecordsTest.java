package io.roam.agent.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExitRecordsTest {
    @TempDir Path dir;

    @Test
    void theSpoolsExitFileWins() throws IOException {
        Files.writeString(dir.resolve("exit"), "3\n");
        Files.writeString(dir.resolve("exits"), "100 137\n");

        assertThat(ExitRecords.exitCode(dir, 100, dir.resolve("exits"))).isEqualTo(OptionalInt.of(3));
    }

    @Test
    void withoutAnExitFileTheLastLineForThatPidInTheExitsLogCounts() throws IOException {
        Files.writeString(dir.resolve("exits"), "100 0\n1000 5\n10 6\n100 137\n2100 1\n");

        assertThat(ExitRecords.exitCode(dir, 100, dir.resolve("exits"))).isEqualTo(OptionalInt.of(137));
        assertThat(ExitRecords.exitCode(dir, 1000, dir.resolve("exits"))).isEqualTo(OptionalInt.of(5));
        assertThat(ExitRecords.exitCode(dir, 10, dir.resolve("exits"))).isEqualTo(OptionalInt.of(6));
    }

    @Test
    void emptyWhenNeitherRecordKnowsThePid() throws IOException {
        assertThat(ExitRecords.exitCode(dir, 100, dir.resolve("exits"))).isEmpty();
        Files.writeString(dir.resolve("exits"), "1001 0\n");
        assertThat(ExitRecords.exitCode(dir, 100, dir.resolve("exits"))).isEmpty();
    }

    @Test
    void aTornOrGarbledRecordIsNotTakenForACode() throws IOException {
        Files.writeString(dir.resolve("exit"), "");
        Files.writeString(dir.resolve("exits"), "100 1\n100 \n100 abc\n");

        assertThat(ExitRecords.exitCode(dir, 100, dir.resolve("exits"))).isEqualTo(OptionalInt.of(1));
    }
}
