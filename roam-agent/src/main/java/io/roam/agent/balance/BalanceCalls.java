package io.roam.agent.balance;

import io.roam.agent.local.LocalServer;
import io.roam.agent.rpc.CoordinatorLink;
import io.roam.proto.BalanceGrpc;
import io.roam.proto.Caller;
import io.roam.proto.Done;
import io.roam.proto.EventsCmd;
import io.roam.proto.ListEventsRequest;
import io.roam.proto.LocalReply;
import io.roam.proto.LocalRequest;
import io.roam.proto.RoamEvent;
import io.roam.proto.SetOwnerReply;
import io.roam.proto.SetOwnerRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The CLI's events and owner: forwarded to the coordinator's Balance service; events are relayed one by one. */
public final class BalanceCalls {
    private static final Duration SHORT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofSeconds(1);

    private BalanceCalls() {}

    public static Done handle(CoordinatorLink coordinator, Caller caller, LocalRequest req, LocalServer.ReplyWriter out)
            throws IOException, InterruptedException {
        return switch (req.getCmdCase()) {
            case EVENTS -> events(coordinator, caller, req.getEvents(), out);
            case OWNER -> {
                if (req.getOwner().getNode().isEmpty()) throw new IllegalArgumentException("which node? roam owner NODE --active|--idle");
                SetOwnerReply r = stub(coordinator).setOwner(SetOwnerRequest.newBuilder().setCaller(caller)
                        .setNode(req.getOwner().getNode()).setActive(req.getOwner().getActive()).build());
                yield r.getOk() ? Done.newBuilder().addLines(r.getLine()).build() : Done.newBuilder().setExitCode(1).setError(r.getError()).build();
            }
            default -> throw new IllegalArgumentException("not a balancing command: " + req.getCmdCase());
        };
    }

    private static Done events(CoordinatorLink coordinator, Caller caller, EventsCmd cmd, LocalServer.ReplyWriter out)
            throws IOException, InterruptedException {
        long after = 0;
        int last = cmd.getLast();
        while (true) {
            var reply = stub(coordinator).listEvents(ListEventsRequest.newBuilder().setCaller(caller).setAfterSeq(after)
                    .setJob(cmd.getJob()).setNode(cmd.getNode()).setLast(last).build());
            for (RoamEvent e : reply.getEventsList()) {
                out.send(LocalReply.newBuilder().setEvent(e).build());
                after = Math.max(after, e.getSeq());
            }
            if (!cmd.getFollow()) return Done.getDefaultInstance();
            last = 0;
            Thread.sleep(POLL);
        }
    }

    private static BalanceGrpc.BalanceBlockingStub stub(CoordinatorLink coordinator) {
        return BalanceGrpc.newBlockingStub(coordinator.stub(SHORT).getChannel()).withDeadlineAfter(SHORT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
