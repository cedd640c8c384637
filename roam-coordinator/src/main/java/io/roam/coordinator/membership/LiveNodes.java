package io.roam.coordinator.membership;

import io.roam.core.NodeId;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /roam/live/NODE}: an ephemeral znode in the coordinator's ZooKeeper session for every attached node. It
 * vanishes when the node detaches, and with the session when the coordinator dies, so a standby that takes over sees
 * no stale liveness.
 */
public final class LiveNodes {
    public static final String LIVE = "/roam/live";
    private static final Logger LOG = LoggerFactory.getLogger(LiveNodes.class);
    private final CuratorFramework zk;

    public LiveNodes(CuratorFramework zk) { this.zk = zk; }

    static String path(NodeId node) { return LIVE + "/" + node.value(); }

    /** Marks the node live (replacing a znode an earlier attachment left). */
    public void up(NodeId node) {
        try {
            zk.delete().quietly().forPath(path(node));
            zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(path(node));
        } catch (KeeperException.NodeExistsException e) {
            LOG.debug("{} already live", node);
        } catch (Exception e) { // Curator's forPath declares throws Exception
            LOG.warn("cannot mark node {} live in ZooKeeper: {}", node, e.toString());
        }
    }

    public void down(NodeId node) {
        try {
            zk.delete().quietly().forPath(path(node));
        } catch (Exception e) { // Curator's forPath declares throws Exception
            LOG.warn("cannot clear node {}'s live marker in ZooKeeper: {}", node, e.toString());
        }
    }

    /** Whether the node's live marker exists now. */
    public boolean isLive(NodeId node) {
        try {
            return zk.checkExists().forPath(path(node)) != null;
        } catch (Exception e) { // Curator's forPath declares throws Exception
            throw new IllegalStateException("cannot read " + path(node) + ": " + e.getMessage(), e);
        }
    }
}
