package io.roam.coordinator.balance;

import io.grpc.stub.StreamObserver;
import io.roam.coordinator.jobs.Access;
import io.roam.coordinator.jobs.JobLookup;
import io.roam.coordinator.membership.Membership;
import io.roam.coordinator.store.ZkEventStore;
import io.roam.core.NodeId;
import io.roam.proto.BalanceGrpc;
import io.roam.proto.ListEventsReply;
import io.roam.proto.ListEventsRequest;
import io.roam.proto.RoamEvent;
import io.roam.proto.SetOwnerReply;
import io.roam.proto.SetOwnerRequest;
import java.util.List;

/**
 * roam events (a user sees the events of their own jobs and every node's; root all) and roam owner (root only). Reads
 * come from ZooKeeper, so a standby that takes over shows the same log.
 */
public final class BalanceService extends BalanceGrpc.BalanceImplBase {
    private final ZkEventStore events;
    private final Membership membership;
    private final Balancer balancer;

    public BalanceService(ZkEventStore events, Membership membership, Balancer balancer) {
        this.events = events;
        this.membership = membership;
        this.balancer = balancer;
    }

    @Override public void listEvents(ListEventsRequest req, StreamObserver<ListEventsReply> obs) {
        List<RoamEvent> shown = visible(events.after(req.getAfterSeq()), req);
        if (req.getLast() > 0 && shown.size() > req.getLast()) shown = shown.subList(shown.size() - req.getLast(), shown.size());
        obs.onNext(ListEventsReply.newBuilder().addAllEvents(shown).build());
        obs.onCompleted();
    }

    /** The events {@code req}'s caller may see that match its filters, oldest first. */
    static List<RoamEvent> visible(List<RoamEvent> all, ListEventsRequest req) {
        return all.stream()
                .filter(e -> e.getJob().isEmpty() || Access.mayActOn(req.getCaller(), e.getUid()))
                .filter(e -> req.getJob().isEmpty() || e.getJob().equals(req.getJob()))
                .filter(e -> req.getNode().isEmpty() || e.getNode().equals(req.getNode()) || e.getTarget().equals(req.getNode()))
                .toList();
    }

    @Override public void setOwner(SetOwnerRequest req, StreamObserver<SetOwnerReply> obs) {
        obs.onNext(setOwner(req));
        obs.onCompleted();
    }

    private SetOwnerReply setOwner(SetOwnerRequest req) {
        String verb = req.getActive() ? "--active" : "--idle";
        if (!Access.isRoot(req.getCaller()))
            return SetOwnerReply.newBuilder().setError("only root may simulate a node's owner: run 'sudo roam owner " + JobLookup.shorten(req.getNode()) + " " + verb + "'").build();
        NodeId id;
        try {
            id = NodeId.of(req.getNode());
        } catch (IllegalArgumentException e) {
            return SetOwnerReply.newBuilder().setError("invalid node name '" + JobLookup.shorten(req.getNode()) + "'").build();
        }
        if (membership.node(id).isEmpty()) return SetOwnerReply.newBuilder().setError("no such node: " + id + " (roam nodes lists them)").build();
        balancer.simulateOwner(id, req.getActive());
        return SetOwnerReply.newBuilder().setOk(true).setLine(req.getActive()
                ? "owner activity on " + id + " simulated: nothing new lands there; its guests move away after the grace period"
                : "simulated owner activity on " + id + " ended: it takes jobs again unless its owner is really active").build();
    }
}
