package io.roam.e2e;

import static io.roam.e2e.Roam.assertCountsOn;
import static io.roam.e2e.Roam.eventually;
import static io.roam.e2e.Roam.numbers;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Jobs outlive the daemons; sleep/wake survives their restart; signals and exit codes behave like a shell's (issue 2). */
@ExtendWith(DaemonLogsOnFailure.class)
class LifecycleIT {
    @TempDir static Path tmp;
    static Roam roam;

    @BeforeAll
    static void up() { roam = Roam.up(tmp.resolve("home")); }

    @AfterAll
    static void down() { if (roam != null) roam.close(); }

    private static void counter(String name) {
        roam.run("run", "--name", name, "--", "sh", "-c", "i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done").ok();
        eventually(Duration.ofSeconds(30), name + " counting", () -> numbers(roam.logs(name)).size() >= 3);
    }

    @Test
    void exitCodesAndSignals() {
        roam.run("run", "--name", "seven", "--", "sh", "-c", "echo out; echo err >&2; exit 7").ok();
        assertThat(roam.run("wait", "seven").exit()).isEqualTo(7);
        assertThat(roam.run("logs", "seven").out()).contains("out");
        var errOnly = roam.run("logs", "--stderr", "seven");
        assertThat(errOnly.err()).contains("err");          // the job's stderr goes to roam's stderr
        assertThat(errOnly.out()).doesNotContain("out");

        counter("term");
        roam.run("kill", "term").ok();
        assertThat(roam.run("wait", "term").exit()).isEqualTo(143);

        counter("int");
        roam.run("kill", "--signal", "INT", "int").ok();
        assertThat(roam.run("wait", "int").exit()).isEqualTo(130);

        roam.run("run", "--name", "stubborn", "--", "sh", "-c", "trap '' TERM; while true; do sleep 0.1; done").ok();
        roam.run("kill", "stubborn").ok();
        assertThat(roam.run("wait", "--timeout", "1s", "stubborn").exit()).isEqualTo(124);
        roam.run("kill", "--signal", "KILL", "stubborn").ok();
        assertThat(roam.run("wait", "stubborn").exit()).isEqualTo(137);
    }

    @Test
    void jobsKeepRunningAcrossDownAndUpAndAreReadopted() {
        counter("survivor");
        roam.run("down").ok();
        int before = numbers(roam.logs0("survivor")).size();
        eventually(Duration.ofSeconds(10), "counts while roam is down", () -> numbers(roam.logs0("survivor")).size() > before + 5);
        roam.run("up").ok();
        assertThat(roam.state("survivor")).isEqualTo("RUNNING");
        roam.run("kill", "survivor").ok();
        assertThat(roam.run("wait", "survivor").exit()).isEqualTo(143);
        assertCountsOn(numbers(roam.logs("survivor")), before + 5);
    }

    @Test
    void sleepAndWakeAcrossARestartOfTheDaemonsLoseNoJob() {
        counter("s1");
        counter("s2");
        var slept = roam.run("sleep").ok();
        assertThat(slept.out()).contains("s1").contains("s2");
        assertThat(roam.state("s1")).isEqualTo("ASLEEP");
        assertThat(roam.state("s2")).isEqualTo("ASLEEP");
        int n1 = numbers(roam.logs("s1")).size();
        roam.run("down").ok();
        roam.run("up").ok();
        assertThat(roam.state("s1")).isEqualTo("ASLEEP");
        roam.run("wake").ok();
        assertThat(roam.state("s1")).isEqualTo("RUNNING");
        assertThat(roam.state("s2")).isEqualTo("RUNNING");
        eventually(Duration.ofSeconds(30), "s1 counts on", () -> numbers(roam.logs("s1")).size() > n1 + 5);
        assertCountsOn(numbers(roam.logs("s1")), n1 + 5);
        roam.run("kill", "s1").ok();
        roam.run("kill", "s2").ok();
    }

    @Test
    void psShowsTheColumns() {
        counter("cols");
        String ps = roam.run("ps").ok().out();
        assertThat(ps.lines().findFirst().orElse("")).contains("ID").contains("NODE").contains("STATE").contains("AGE")
                .contains("RSS").contains("COMMAND");
        assertThat(ps).containsPattern("cols\\s+n1\\s+RUNNING");
        roam.run("kill", "cols").ok();
    }
}
