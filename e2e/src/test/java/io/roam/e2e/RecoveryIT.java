package io.roam.e2e;

import static io.roam.e2e.Roam.eventually;
import static io.roam.e2e.Roam.numbers;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * roam run --checkpoint-every on a real 3-node local cluster: the job's latest image is kept on another node, and when
 * its node dies (every process in the node's network namespace killed with SIGKILL, agent and job alike, as when a
 * machine loses power) the job runs again from that image on the node holding it, within 30 s, and says how much
 * work was lost.
 */
@ExtendWith(DaemonLogsOnFailure.class)
class RecoveryIT {
    private static final String COUNTER = "i=0; while true; do i=$((i+1)); echo $i; sleep 0.1; done";
    @TempDir
    static Path tmp;
    static Roam roam;

    @BeforeAll
    static void up() {
        roam = new Roam(tmp.resolve("home"));
        roam.runIn(tmp, Map.of(), "up", "--nodes", "3", "--policy", "local").ok();
        roam.awaitNodesUp(3, Duration.ofSeconds(60));
    }

    @AfterAll
    static void down() {
        if (roam != null) {
            roam.run("down", "--force");
            roam.close();
        }
    }

    @Test
    void aJobWhoseNodeDiesRestartsFromItsKeptImageElsewhere() {
        roam.run("run", "--name", "keep", "--node", "n2", "--checkpoint-every", "10s", "--", "sh", "-c", COUNTER).ok();
        eventually(Duration.ofSeconds(40), "an image of keep kept off n2", () -> kept("keep").isPresent());
        String holder = kept("keep").orElseThrow();
        assertThat(holder).isIn("n1", "n3");
        eventually(Duration.ofSeconds(10), "keep counting", () -> numbers(roam.logs("keep")).size() > 5);

        long killedAt = System.nanoTime();
        List<Long> before = numbers(roam.logs("keep"));
        Roam.command(Duration.ofSeconds(10), "sh", "-c", "ip netns pids " + roam.netns("n2") + " | xargs -r kill -9");
        eventually(Duration.ofSeconds(10), "n2 down", () -> roam.run("nodes").out().lines().anyMatch(l -> l.startsWith("n2 ") && l.contains("down")));
        eventually(Duration.ofSeconds(30), "keep running again on " + holder,
                () -> roam.state("keep").equals("RUNNING") && roam.nodeOf("keep").equals(holder));
        double seconds = (System.nanoTime() - killedAt) / 1e9;
        assertThat(seconds).as("restarted within 30 s of the node's death").isLessThan(30);

        int seen = numbers(roam.logs("keep")).size();
        eventually(Duration.ofSeconds(20), "keep counts on after the restart", () -> numbers(roam.logs("keep")).size() > seen + 5);
        List<Long> all = numbers(roam.logs("keep"));
        int back = 1;
        while (back < all.size() && all.get(back) > all.get(back - 1)) back++;
        // the counter goes back to its image's count once (unless the image was taken after its last line: no work lost)
        assertThat(back).as("the counter restarted from its image, not from scratch: " + all).isGreaterThanOrEqualTo(before.size());
        if (back < all.size()) {
            assertThat(all.get(back)).as("resumed from the image: at or before where it died").isLessThanOrEqualTo(all.get(back - 1)).isGreaterThan(1);
        }
        assertThat(all.subList(back, all.size())).as("counting on from there").isSorted();
        assertThat(roam.processesOf("keep")).as("exactly one copy runs").isEqualTo(1);

        String events = roam.run("events", "--job", "keep").ok().out();
        assertThat(events).contains("restart").contains("n2 -> " + holder).contains("of work lost");
        roam.run("kill", "keep").ok();
    }

    @Test
    void aTooShortIntervalIsRefused() {
        var r = roam.run("run", "--checkpoint-every", "200ms", "--", "true");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--checkpoint-every must be at least 1s");
    }

    /** The node holding the job's kept image, from roam checkpoints. */
    private static java.util.Optional<String> kept(String job) {
        return roam.run("checkpoints", job).out().lines().filter(l -> l.contains("kept (taken on"))
                .map(l -> l.trim().split("\\s+")[2]).findFirst();
    }
}
