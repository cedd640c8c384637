package io.roam.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SimCommandTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new SimCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void comparesPoliciesAndWritesCsvAndPlot(@TempDir Path dir) throws IOException {
        Run r = run("--nodes", "50", "--processes", "3000", "--policy", "roam,power-of-2,age", "--workload", "W2",
                "--load", "0.7", "--seed", "4", "--out", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("50 nodes × 1 cores", "load 0.70", "workload: W2", "largest 7% of processes use")
                .containsPattern("(?m)^roam +probes").containsPattern("(?m)^power-of-2 +probes").containsPattern("(?m)^age +probes");
        assertThat(Files.readAllLines(dir.resolve("sim.csv"))).hasSize(4).first().asString().startsWith("policy,info,nodes");
        assertThat(Files.readAllLines(dir.resolve("sim-by-size.csv")).size()).isGreaterThan(3);
        byte[] png = Files.readAllBytes(dir.resolve("sim.png"));
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    }

    @Test
    void gossipIsAvailableToEveryPolicy() {
        Run r = run("--nodes", "30", "--processes", "1000", "--policy", "all", "--info", "gossip");
        assertThat(r.code()).as(r.err()).isZero();
        for (String p : io.roam.core.policy.Policies.NAMES) assertThat(r.out()).containsPattern("(?m)^" + p + " +gossip");
    }

    @Test
    void usageErrorsAreOneLineAndExitTwo() {
        Run bad = run("--policy", "mosix", "--nodes", "10");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown policy 'mosix': use one of local, random");
        Run info = run("--info", "psychic", "--nodes", "10");
        assertThat(info.code()).isEqualTo(2);
        assertThat(info.err()).contains("--info must be probes or gossip");
    }
}
