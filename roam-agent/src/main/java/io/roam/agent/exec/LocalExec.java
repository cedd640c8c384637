package io.roam.agent.exec;

import io.roam.agent.local.LocalServer;
import io.roam.proto.Caller;
import io.roam.proto.Done;
import io.roam.proto.ExecCmd;
import io.roam.proto.LocalInput;
import io.roam.proto.LocalRequest;
import io.roam.proto.NodeInfo;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code roam exec} on the agent's unix socket: places the command (here, or a peer per the {@link NodeView}),
 * then relays the client's LocalInput to it and its output back, and ends with its Done. A client that disconnects
 * before the Done has its command killed.
 */
final class LocalExec implements LocalServer.StreamingHandler {
    private static final Logger log = LoggerFactory.getLogger(LocalExec.class);
    private static final Duration SLICE = Duration.ofMinutes(1);

    private final ExecRunner runner;
    private final NodeView view;
    private final Function<NodeInfo, io.grpc.ManagedChannel> peers;

    LocalExec(ExecRunner runner, NodeView view, Function<NodeInfo, io.grpc.ManagedChannel> peers) {
        this.runner = runner;
        this.view = view;
        this.peers = peers;
    }

    @Override
    public void handle(Caller caller, LocalRequest request, InputStream in, LocalServer.ReplyWriter out) throws IOException {
        ExecCmd cmd = request.getExec();
        Replies replies = out::send;
        ExecTarget target;
        String where;
        Optional<NodeInfo> node;
        try {
            node = view.choose(cmd.getNode());
        } catch (IllegalArgumentException e) {
            out.done(Done.newBuilder().setExitCode(2).setError(e.getMessage()).build());
            return;
        }
        if (node.isPresent()) {
            if (cmd.getArgvCount() == 0) {
                out.done(Done.newBuilder().setExitCode(2).setError("nothing to run: give a command after --").build());
                return;
            }
            where = node.get().getId();
            target = PeerExec.start(where, peers.apply(node.get()), caller, cmd, replies);
        } else {
            where = "";
            switch (runner.start(caller, cmd.getArgvList(), cmd.getCwd(), cmd.getEnvMap(), replies)) {
                case ExecRunner.Started(CommandProcess p) -> target = p;
                case ExecRunner.Refused(Done d) -> {
                    out.done(d);
                    return;
                }
            }
        }
        try (var slot = view.running(where)) {
            var inputs = Thread.ofVirtual().name("exec-in").start(() -> relayInput(in, target));
            Optional<Done> done = Optional.empty();
            try {
                while (done.isEmpty()) done = target.awaitDone(SLICE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                target.abandon();
                return;
            }
            out.done(done.get());
            inputs.interrupt();
        }
    }

    /** Client input until the client closes: a close before the command ended abandons it. */
    private static void relayInput(InputStream raw, ExecTarget target) {
        InputStream in = new BufferedInputStream(raw, 64 * 1024);
        try {
            LocalInput input;
            while ((input = LocalInput.parseDelimitedFrom(in)) != null) target.input(input);
        } catch (IOException e) {
            log.debug("exec client input ended: {}", e.toString());
        }
        target.abandon();
    }
}
