package io.roam.coordinator.store;

import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/** Curator calls that answer with values instead of {@code throws Exception}. Package-private plumbing. */
final class Zk {
    /** A Curator call: Curator declares {@code throws Exception} on everything. */
    @FunctionalInterface interface Call<T> { T run() throws Exception; }

    private Zk() {}

    static <T> T call(String what, Call<T> call) {
        try {
            return call.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while trying to " + what, e);
        } catch (Exception e) {
            throw new StoreException("ZooKeeper: cannot " + what + ": " + e.getMessage(), e);
        }
    }

    /** The data and version of {@code path}, or null when it does not exist. */
    static Versioned<byte[]> read(CuratorFramework zk, String path) {
        return call("read " + path, () -> {
            Stat stat = new Stat();
            try {
                byte[] data = zk.getData().storingStatIn(stat).forPath(path);
                return new Versioned<>(data, stat.getVersion());
            } catch (KeeperException.NoNodeException e) {
                return null;
            }
        });
    }

    /** Creates {@code path} (and its parents); false when it already exists. */
    static boolean create(CuratorFramework zk, String path, byte[] data) {
        return call("create " + path, () -> {
            try {
                zk.create().creatingParentsIfNeeded().forPath(path, data);
                return true;
            } catch (KeeperException.NodeExistsException e) {
                return false;
            }
        });
    }

    /**
     * Like {@link #create}, for records whose bytes only this writer can produce (a job record: its id, owner, spec and
     * creation time): when a connection loss hides the success of the create, Curator's retry finds the node holding
     * exactly these bytes and succeeds, instead of answering "exists" and leaving an orphan record behind. Not for
     * values that concurrent writers may share (counters).
     */
    static boolean createUnique(CuratorFramework zk, String path, byte[] data) {
        return call("create " + path, () -> {
            try {
                zk.create().idempotent().creatingParentsIfNeeded().forPath(path, data);
                return true;
            } catch (KeeperException.NodeExistsException e) {
                return false;
            }
        });
    }

    /** Compare-and-set; expectedVersion -1 writes unconditionally. False on a version conflict or when it is gone. */
    static boolean replace(CuratorFramework zk, String path, byte[] data, int expectedVersion) {
        return call("write " + path, () -> {
            try {
                zk.setData().withVersion(expectedVersion).forPath(path, data);
                return true;
            } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
                return false;
            }
        });
    }

    /** One operation of a {@link #multi} transaction. */
    record Op(String path, byte[] data, int version, boolean create) {
        static Op setData(String path, byte[] data, int expectedVersion) { return new Op(path, data, expectedVersion, false); }

        static Op create(String path, byte[] data) { return new Op(path, data, -1, true); }
    }

    /**
     * Runs {@code ops} as one ZooKeeper transaction (one write to the log). Returns -1 when it committed, else the index of
     * the operation that failed on a version conflict, a missing node or an existing node; nothing was written then.
     */
    static int multi(CuratorFramework zk, List<Op> ops) {
        return call("write " + ops.getFirst().path() + " and " + (ops.size() - 1) + " more", () -> {
            List<CuratorOp> tx = new ArrayList<>();
            for (Op op : ops) {
                tx.add(op.create() ? zk.transactionOp().create().forPath(op.path(), op.data())
                        : zk.transactionOp().setData().withVersion(op.version()).forPath(op.path(), op.data()));
            }
            try {
                zk.transaction().forOperations(tx);
                return -1;
            } catch (KeeperException e) {
                List<OpResult> results = e.getResults();
                if (results != null) {
                    for (int i = 0; i < results.size(); i++) {
                        if (results.get(i) instanceof OpResult.ErrorResult err) {
                            KeeperException.Code code = KeeperException.Code.get(err.getErr());
                            if (code == KeeperException.Code.BADVERSION || code == KeeperException.Code.NONODE
                                    || code == KeeperException.Code.NODEEXISTS) {
                                return i;
                            }
                        }
                    }
                }
                throw e;
            }
        });
    }

    /** Writes {@code path} whether or not it exists. */
    static void put(CuratorFramework zk, String path, byte[] data) {
        for (int attempt = 0; attempt < 10; attempt++) {
            if (create(zk, path, data) || replace(zk, path, data, -1)) return;
        }
        throw new StoreException("ZooKeeper: cannot write " + path + ": it keeps appearing and vanishing");
    }

    /** Deletes {@code path} (expectedVersion -1: any version); false on a version conflict or when it is gone. */
    static boolean delete(CuratorFramework zk, String path, int expectedVersion) {
        return call("delete " + path, () -> {
            try {
                zk.delete().withVersion(expectedVersion).forPath(path);
                return true;
            } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
                return false;
            }
        });
    }

    static List<String> children(CuratorFramework zk, String path) {
        return call("list " + path, () -> {
            try {
                return zk.getChildren().forPath(path);
            } catch (KeeperException.NoNodeException e) {
                return List.of();
            }
        });
    }

    static void ensure(CuratorFramework zk, String path) {
        call("create " + path, () -> {
            try {
                zk.create().creatingParentsIfNeeded().forPath(path, new byte[0]);
            } catch (KeeperException.NodeExistsException e) {
                // already there
            }
            return null;
        });
    }
}
