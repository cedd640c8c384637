package io.roam.coordinator.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.roam.proto.RoamEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * The cluster's event log: {@code /roam/events/e-NNNNNNNNNN}, persistent sequential znodes (so every coordinator and
 * standby reads the same log), the newest {@code keep} kept: every {@link #TRIM_EVERY} appends the oldest are deleted.
 */
public final class ZkEventStore {
    public static final String EVENTS = "/roam/events";
    static final String PREFIX = "e-";
    static final int TRIM_EVERY = 50;
    private final CuratorFramework zk;
    private final int keep;
    private int appended;

    public ZkEventStore(CuratorFramework zk, int keep) {
        if (keep < 1) throw new IllegalArgumentException("keep at least one event, got " + keep);
        this.zk = zk;
        this.keep = keep;
        Zk.ensure(zk, EVENTS);
    }

    /** Appends an event (its seq is ZooKeeper's sequence number) and returns it as stored. */
    public synchronized RoamEvent append(RoamEvent e) {
        String path = Zk.call("append an event", () -> zk.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                .forPath(EVENTS + "/" + PREFIX, e.toByteArray()));
        if (++appended % TRIM_EVERY == 0) trim();
        return e.toBuilder().setSeq(seq(path.substring(path.lastIndexOf('/') + 1))).build();
    }

    /** Every kept event with a seq above {@code afterSeq}, oldest first. */
    public List<RoamEvent> after(long afterSeq) {
        List<RoamEvent> out = new ArrayList<>();
        for (String name : sortedNames()) {
            long seq = seq(name);
            if (seq <= afterSeq) continue;
            Versioned<byte[]> v = Zk.read(zk, EVENTS + "/" + name);
            if (v == null) continue; // trimmed meanwhile
            try {
                out.add(RoamEvent.parseFrom(v.value()).toBuilder().setSeq(seq).build());
            } catch (InvalidProtocolBufferException x) {
                // not an event: skip it
            }
        }
        return out;
    }

    /** Deletes all but the newest {@code keep} events. */
    public synchronized void trim() {
        List<String> names = sortedNames();
        for (int i = 0; i < names.size() - keep; i++) {
            String path = EVENTS + "/" + names.get(i);
            Zk.call("trim " + path, () -> {
                try {
                    zk.delete().forPath(path);
                } catch (KeeperException.NoNodeException e) {
                    // another coordinator trimmed it
                }
                return null;
            });
        }
    }

    private List<String> sortedNames() {
        return Zk.children(zk, EVENTS).stream().filter(n -> n.startsWith(PREFIX)).sorted(Comparator.comparingLong(ZkEventStore::seq)).toList();
    }

    /** ZooKeeper's sequence number plus one: the first event is 1, so that "after 0" means from the start. */
    static long seq(String name) {
        try {
            return Long.parseLong(name.substring(PREFIX.length())) + 1;
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
