package io.roam.cli.daemon;

import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * One of roam's daemons as {@code roam up} runs it: {@code bin/roam VERB --state-dir DIR …} under roam-supervise,
 * with its pid file and exit log in run/ and its log in log/.
 *
 * @param name  file name stem: coordinator, agent-n1
 * @param label how messages call it: the coordinator, agent n1
 * @param args  the arguments after bin/roam
 */
record Daemon(String name, String label, List<String> args) {
    Daemon {
        args = List.copyOf(args);
    }

    static Daemon coordinator(RoamHome home) {
        return new Daemon("coordinator", "the coordinator", List.of("coordinator", "--state-dir", home.root().toString()));
    }

    static Daemon agent(RoamHome home, NodeId node) {
        return new Daemon("agent-" + node, "agent " + node,
                List.of("agent", "--state-dir", home.root().toString(), "--node", node.value()));
    }

    Path pidFile(RoamHome home) { return home.runDir().resolve(name + ".supervise.pid"); }

    Path exitsFile(RoamHome home) { return home.runDir().resolve(name + ".exits"); }

    Path logFile(RoamHome home) { return home.logDir().resolve(name + ".log"); }

    /** Whether argv is this daemon: its verb, then its own --state-dir (a job's argv never is). */
    boolean matches(List<String> argv) {
        int verb = argv.indexOf(args.getFirst());
        return verb >= 0 && Collections.indexOfSubList(argv.subList(verb, argv.size()), args.subList(1, 3)) >= 0;
    }
}
