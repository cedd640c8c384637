package io.roam.agent.jobs;

import io.roam.proto.JobInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jobs whose processes live on this node, persisted one file per job so that a restarted agent re-adopts them.
 * A job marked busy (being dumped or restored) is ignored by the exit watcher: its process may vanish on purpose.
 */
public final class JobTable {
    private final Path dir;
    private final ConcurrentHashMap<String, JobInfo> jobs = new ConcurrentHashMap<>();
    private final Set<String> busy = ConcurrentHashMap.newKeySet();

    public JobTable(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            try (var files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".pb")).toList()) {
                    JobInfo j = JobInfo.parseFrom(Files.readAllBytes(f));
                    jobs.put(j.getId(), j);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the job table at " + dir, e);
        }
    }

    public Optional<JobInfo> get(String job) { return Optional.ofNullable(jobs.get(job)); }

    public Collection<JobInfo> all() { return List.copyOf(jobs.values()); }

    public void put(JobInfo job) {
        Path f = dir.resolve(job.getId() + ".pb");
        Path tmp = dir.resolve(job.getId() + ".pb.tmp");
        try {
            Files.write(tmp, job.toByteArray());
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record job " + job.getId(), e);
        }
        jobs.put(job.getId(), job);
    }

    public void remove(String job) {
        jobs.remove(job);
        try {
            Files.deleteIfExists(dir.resolve(job + ".pb"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot forget job " + job, e);
        }
    }

    /** Marks the job busy; false when it already was (one operation at a time per job). */
    public boolean markBusy(String job) { return busy.add(job); }

    public void clearBusy(String job) { busy.remove(job); }

    public boolean isBusy(String job) { return busy.contains(job); }
}
