package io.roam.coordinator.store;

import io.roam.core.JobId;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;

/**
 * Claims on --net job addresses: {@code /roam/net-addresses/A.B.C.D} holds the id of the job that has the address.
 * Creating the znode is the claim, so two coordinators (or two submissions) never hand out one address twice.
 */
public final class ZkAddressStore {
    public static final String ADDRESSES = "/roam/net-addresses";
    private final CuratorFramework zk;

    public ZkAddressStore(CuratorFramework zk) {
        this.zk = zk;
        Zk.ensure(zk, ADDRESSES);
    }

    /** Every claim: address → (job, version). */
    public Map<String, Versioned<JobId>> claims() {
        var out = new LinkedHashMap<String, Versioned<JobId>>();
        for (String a : Zk.children(zk, ADDRESSES)) owner(a).ifPresent(v -> out.put(a, v));
        return out;
    }

    public Optional<Versioned<JobId>> owner(String address) {
        Versioned<byte[]> raw = Zk.read(zk, ADDRESSES + "/" + address);
        if (raw == null) return Optional.empty();
        return Optional.of(new Versioned<>(JobId.of(new String(raw.value(), StandardCharsets.UTF_8)), raw.version()));
    }

    /** Claims a free address for the job; false when someone holds it. */
    public boolean claim(String address, JobId job) {
        return Zk.create(zk, ADDRESSES + "/" + address, job.value().getBytes(StandardCharsets.UTF_8));
    }

    /** Drops a claim if it is still at {@code version} (a stale claim, about to be taken over). */
    public boolean drop(String address, int version) { return Zk.delete(zk, ADDRESSES + "/" + address, version); }
}
