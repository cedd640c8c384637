package io.roam.coordinator.balance;

import io.roam.coordinator.store.StoreException;
import io.roam.coordinator.store.ZkEventStore;
import io.roam.proto.RoamEvent;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records decisions and state changes: in the coordinator's log and in ZooKeeper for {@code roam events}. */
public final class EventLog {
    private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);
    private final ZkEventStore store;
    private final LongSupplier clock;

    public EventLog(ZkEventStore store, LongSupplier clock) {
        this.store = store;
        this.clock = clock;
    }

    /** A job's event (uid: the job's owner). */
    public void job(String kind, String job, int uid, String node, String target, String reason) {
        append(RoamEvent.newBuilder().setKind(kind).setJob(job).setUid(uid).setNode(node).setTarget(target).setReason(reason));
    }

    /** A node's event. */
    public void node(String kind, String node, String reason) {
        append(RoamEvent.newBuilder().setKind(kind).setUid(-1).setNode(node).setReason(reason));
    }

    private void append(RoamEvent.Builder e) {
        e.setTimeMs(clock.getAsLong());
        LOG.info("event {}{} on {}{}: {}", e.getKind(), e.getJob().isEmpty() ? "" : " " + e.getJob(), e.getNode(),
                e.getTarget().isEmpty() ? "" : " -> " + e.getTarget(), e.getReason());
        try {
            store.append(e.build());
        } catch (StoreException x) {
            LOG.warn("event not stored: {}", x.getMessage());
        }
    }
}
