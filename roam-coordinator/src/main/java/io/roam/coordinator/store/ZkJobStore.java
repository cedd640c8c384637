package io.roam.coordinator.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.roam.core.CheckpointId;
import io.roam.core.JobId;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.JobInfo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;

/**
 * Job and checkpoint records in ZooKeeper. Every write of a job record is a compare-and-set on the znode version.
 * <pre>
 * /roam/jobs/JOB                JobInfo (its version field mirrors the znode version)
 * /roam/checkpoints/CHECKPOINT  CheckpointInfo
 * /roam/checkpoint-seq/JOB      the last checkpoint sequence number handed out for JOB (4 bytes, big-endian)
 * </pre>
 */
public final class ZkJobStore {
    public static final String JOBS = "/roam/jobs";
    public static final String CHECKPOINTS = "/roam/checkpoints";
    public static final String SEQUENCES = "/roam/checkpoint-seq";
    private final CuratorFramework zk;

    public ZkJobStore(CuratorFramework zk) {
        this.zk = zk;
        Zk.ensure(zk, JOBS);
        Zk.ensure(zk, CHECKPOINTS);
        Zk.ensure(zk, SEQUENCES);
    }

    public Optional<Versioned<JobInfo>> get(JobId id) {
        Versioned<byte[]> raw = Zk.read(zk, JOBS + "/" + id.value());
        if (raw == null) return Optional.empty();
        return Optional.of(new Versioned<>(parseJob(raw.value(), id.value()).toBuilder().setVersion(raw.version()).build(), raw.version()));
    }

    /** Creates the record of a new job; false when a job of that id exists. */
    public boolean create(JobInfo job) {
        return Zk.createUnique(zk, JOBS + "/" + JobId.of(job.getId()).value(), job.toBuilder().setVersion(0).build().toByteArray());
    }

    /** Compare-and-set: writes {@code job} only if the record is still at {@code expectedVersion}. */
    public boolean replace(JobInfo job, int expectedVersion) {
        byte[] data = job.toBuilder().setVersion(expectedVersion + 1L).build().toByteArray();
        return Zk.replace(zk, JOBS + "/" + JobId.of(job.getId()).value(), data, expectedVersion);
    }

    /**
     * Compare-and-set of the job record together with {@code also}, in one transaction. False on a version conflict of
     * the job record (or when it is gone).
     *
     * @throws Also.Conflict when one of {@code also} cannot be written; then nothing was written
     */
    public boolean replace(JobInfo job, int expectedVersion, List<Also> also) {
        if (also.isEmpty()) return replace(job, expectedVersion);
        String path = JOBS + "/" + JobId.of(job.getId()).value();
        byte[] data = job.toBuilder().setVersion(expectedVersion + 1L).build().toByteArray();
        List<Zk.Op> ops = new ArrayList<>();
        ops.add(Zk.Op.setData(path, data, expectedVersion));
        for (Also a : also) {
            ops.add(switch (a) {
                case Also.ClaimSequence c -> c.expectedVersion() < 0
                        ? Zk.Op.create(SEQUENCES + "/" + c.job().value(), encode(c.next()))
                        : Zk.Op.setData(SEQUENCES + "/" + c.job().value(), encode(c.next()), c.expectedVersion());
                case Also.CreateCheckpoint c -> Zk.Op.create(CHECKPOINTS + "/" + CheckpointId.parse(c.checkpoint().getId()).value(),
                        c.checkpoint().toByteArray());
            });
        }
        int failed = Zk.multi(zk, ops);
        if (failed < 0) return true;
        if (failed == 0) return false;
        throw new Also.Conflict(ops.get(failed).path() + " changed meanwhile");
    }

    /** A claim of the next checkpoint sequence of {@code job}, to commit with the record change that uses it. */
    public Also.ClaimSequence nextSequenceClaim(JobId job) {
        Versioned<byte[]> cur = Zk.read(zk, SEQUENCES + "/" + job.value());
        return cur == null ? new Also.ClaimSequence(job, 1, -1)
                : new Also.ClaimSequence(job, ByteBuffer.wrap(cur.value()).getInt() + 1, cur.version());
    }

    /** Deletes the record if it is still at {@code expectedVersion}. */
    public boolean delete(JobId id, int expectedVersion) {
        return Zk.delete(zk, JOBS + "/" + id.value(), expectedVersion);
    }

    /** Every job record, oldest first. */
    public List<JobInfo> list() {
        List<JobInfo> out = new ArrayList<>();
        for (String name : Zk.children(zk, JOBS)) {
            if (JobId.isValid(name)) get(JobId.of(name)).ifPresent(v -> out.add(v.value()));
        }
        out.sort(Comparator.comparingLong(JobInfo::getCreatedMs).thenComparing(JobInfo::getId));
        return out;
    }

    /** The next checkpoint sequence number of {@code job}: 1, 2, …; unique even among concurrent callers. */
    public int nextCheckpointSequence(JobId job) {
        String path = SEQUENCES + "/" + job.value();
        for (int attempt = 0; attempt < 100; attempt++) {
            Versioned<byte[]> cur = Zk.read(zk, path);
            if (cur == null) {
                if (Zk.create(zk, path, encode(1))) return 1;
                continue;
            }
            int next = ByteBuffer.wrap(cur.value()).getInt() + 1;
            if (Zk.replace(zk, path, encode(next), cur.version())) return next;
        }
        throw new StoreException("ZooKeeper: gave up on the checkpoint sequence of " + job + " after 100 conflicting writes");
    }

    public void putCheckpoint(CheckpointInfo checkpoint) {
        Zk.put(zk, CHECKPOINTS + "/" + CheckpointId.parse(checkpoint.getId()).value(), checkpoint.toByteArray());
    }

    public Optional<CheckpointInfo> checkpoint(CheckpointId id) {
        Versioned<byte[]> raw = Zk.read(zk, CHECKPOINTS + "/" + id.value());
        return raw == null ? Optional.empty() : Optional.of(parseCheckpoint(raw.value(), id.value()));
    }

    /** Checkpoints of one job, or of all jobs, ordered by job then sequence. */
    public List<CheckpointInfo> checkpoints(Optional<JobId> job) {
        List<CheckpointInfo> out = new ArrayList<>();
        for (String name : Zk.children(zk, CHECKPOINTS)) {
            CheckpointId id;
            try {
                id = CheckpointId.parse(name);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (job.isPresent() && !id.job().equals(job.get())) continue;
            checkpoint(id).ifPresent(out::add);
        }
        out.sort(Comparator.comparing((CheckpointInfo c) -> CheckpointId.parse(c.getId()).job().value())
                .thenComparingInt(c -> CheckpointId.parse(c.getId()).sequence()));
        return out;
    }

    public void deleteCheckpoint(CheckpointId id) { Zk.delete(zk, CHECKPOINTS + "/" + id.value(), -1); }

    /** Forgets the checkpoint sequence of a removed job (its name may be used again). */
    public void deleteCheckpointSequence(JobId job) { Zk.delete(zk, SEQUENCES + "/" + job.value(), -1); }

    private static byte[] encode(int n) { return ByteBuffer.allocate(4).putInt(n).array(); }

    private static JobInfo parseJob(byte[] data, String id) {
        try {
            return JobInfo.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new StoreException("ZooKeeper: the record of job " + id + " is corrupt", e);
        }
    }

    private static CheckpointInfo parseCheckpoint(byte[] data, String id) {
        try {
            return CheckpointInfo.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new StoreException("ZooKeeper: the record of checkpoint " + id + " is corrupt", e);
        }
    }
}
