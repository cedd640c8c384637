package io.roam.cli.daemon;

import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One of roam's daemons as {@code roam up} runs it: {@code [WRAPPER…] bin/roam VERB --state-dir DIR …} under
 * roam-supervise, with its pid file and exit log in run/ and its log in log/.
 *
 * @param name    file name stem: coordinator, agent-n1
 * @param label   how messages call it: the coordinator, agent n1
 * @param args    the arguments after bin/roam
 * @param wrapper what runs bin/roam (e.g. {@code ip netns exec NS} for a node of a local cluster); empty: nothing
 */
record Daemon(String name, String label, List<String> args, List<String> wrapper) {
    Daemon {
        args = List.copyOf(args);
        wrapper = List.copyOf(wrapper);
    }

    static Daemon coordinator(RoamHome home) {
        return new Daemon("coordinator", "the coordinator", List.of("coordinator", "--state-dir", home.root().toString()), List.of());
    }

    /** The coordinator listening on {@code listen} (HOST:PORT). */
    static Daemon coordinator(RoamHome home, String listen) {
        var args = new ArrayList<>(coordinator(home).args());
        args.addAll(List.of("--listen", listen));
        return new Daemon("coordinator", "the coordinator", args, List.of());
    }

    static Daemon agent(RoamHome home, NodeId node) {
        return new Daemon("agent-" + node, "agent " + node,
                List.of("agent", "--state-dir", home.root().toString(), "--node", node.value()), List.of());
    }

    /** The agent of a local cluster's node: in network namespace {@code netns}, gRPC on {@code address}, its own CLI socket. */
    static Daemon agentIn(RoamHome home, NodeId node, String ip, String netns, String address) {
        var args = new ArrayList<>(agent(home, node).args());
        args.addAll(List.of("--listen", address + ":0", "--socket", AgentSockets.of(home, node).toString()));
        return new Daemon("agent-" + node, "agent " + node, args, List.of(ip, "netns", "exec", netns));
    }

    /** The same daemon with {@code more} arguments at the end. */
    Daemon withArgs(List<String> more) {
        if (more.isEmpty()) return this;
        var all = new ArrayList<>(args);
        all.addAll(more);
        return new Daemon(name, label, all, wrapper);
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
