package io.roam.coordinator.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.roam.core.NodeId;
import io.roam.proto.NodeInfo;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Registered nodes: {@code /roam/nodes/NODE} holds the NodeInfo of the node's last registration (persistent). */
public final class ZkNodeStore {
    public static final String NODES = "/roam/nodes";
    private static final Logger LOG = LoggerFactory.getLogger(ZkNodeStore.class);
    private final CuratorFramework zk;

    public ZkNodeStore(CuratorFramework zk) {
        this.zk = zk;
        Zk.ensure(zk, NODES);
    }

    public void put(NodeInfo node) { Zk.put(zk, NODES + "/" + NodeId.of(node.getId()).value(), node.toByteArray()); }

    public List<NodeInfo> list() {
        List<NodeInfo> out = new ArrayList<>();
        for (String name : Zk.children(zk, NODES)) {
            Versioned<byte[]> raw = Zk.read(zk, NODES + "/" + name);
            if (raw == null) continue;
            try {
                out.add(NodeInfo.parseFrom(raw.value()));
            } catch (InvalidProtocolBufferException e) {
                LOG.warn("ignoring the corrupt record of node {}", name);
            }
        }
        return out;
    }
}
