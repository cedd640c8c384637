package io.roam.coordinator.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.roam.core.JobId;
import io.roam.proto.MigrationRecord;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;

/**
 * Migrations in progress: {@code /roam/migrations/JOB} holds the MigrationRecord of a running migration, written
 * before the job becomes MIGRATING and deleted after it left that state, so that a restarted coordinator can finish
 * or roll back every migration it finds.
 */
public final class ZkMigrationStore {
    public static final String MIGRATIONS = "/roam/migrations";
    private final CuratorFramework zk;

    public ZkMigrationStore(CuratorFramework zk) {
        this.zk = zk;
        Zk.ensure(zk, MIGRATIONS);
    }

    public void put(MigrationRecord m) { Zk.put(zk, MIGRATIONS + "/" + JobId.of(m.getJob()).value(), m.toByteArray()); }

    public Optional<MigrationRecord> get(JobId job) {
        Versioned<byte[]> raw = Zk.read(zk, MIGRATIONS + "/" + job.value());
        if (raw == null) return Optional.empty();
        try {
            return Optional.of(MigrationRecord.parseFrom(raw.value()));
        } catch (InvalidProtocolBufferException e) {
            throw new StoreException("ZooKeeper: the migration record of job " + job + " is corrupt", e);
        }
    }

    /** Every record (a coordinator's start: the page phases a previous one left). */
    public java.util.List<MigrationRecord> all() {
        java.util.List<MigrationRecord> out = new java.util.ArrayList<>();
        try {
            for (String child : zk.getChildren().forPath(MIGRATIONS)) get(JobId.of(child)).ifPresent(out::add);
        } catch (org.apache.zookeeper.KeeperException.NoNodeException e) {
            return out;
        } catch (Exception e) {
            throw new StoreException("ZooKeeper: cannot list " + MIGRATIONS + ": " + e.getMessage(), e);
        }
        return out;
    }

    public void delete(JobId job) { Zk.delete(zk, MIGRATIONS + "/" + job.value(), -1); }
}
