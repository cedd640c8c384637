package io.roam.agent.jobs;

import io.roam.agent.sandbox.ExitRecords;
import io.roam.agent.sandbox.JobProcesses;
import io.roam.proto.JobInfo;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices jobs whose process is gone and reports their exit code. The code comes from the job's own init (spool/exit)
 * or, when the init was killed, from the supervisor's exit log. Runs every 200 ms on a virtual thread.
 */
public final class ExitWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExitWatcher.class);
    private static final long UNKNOWN_GRACE_MS = 2_000;

    /** Reports an exit; returns true once the coordinator has taken it. */
    public interface ExitSink {
        boolean exited(JobInfo job, OptionalInt code);
    }

    private final JobTable table;
    private final Function<String, Path> spoolOf;
    private final Path supervisorExits;
    private final ExitSink sink;
    private final Map<String, Long> goneSince = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    public ExitWatcher(JobTable table, Function<String, Path> spoolOf, Path supervisorExits, ExitSink sink) {
        this.table = table;
        this.spoolOf = spoolOf;
        this.supervisorExits = supervisorExits;
        this.sink = sink;
        this.thread = Thread.ofVirtual().name("exit-watcher").start(this::loop);
    }

    private void loop() {
        while (running) {
            try {
                scanOnce(System.currentTimeMillis());
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("exit watcher: {}", e.toString());
            }
        }
    }

    /** One pass over the table: visible for tests. */
    public void scanOnce(long nowMs) {
        for (JobInfo j : table.all()) {
            if (table.isBusy(j.getId())) continue;
            if (JobProcesses.alive(j.getHostPid(), j.getHostPidStart())) {
                goneSince.remove(j.getId());
                continue;
            }
            OptionalInt code = ExitRecords.exitCode(spoolOf.apply(j.getId()), j.getHostPid(), supervisorExits);
            long since = goneSince.computeIfAbsent(j.getId(), k -> nowMs);
            if (code.isEmpty() && nowMs - since < UNKNOWN_GRACE_MS) continue;   // the supervisor may not have logged it yet
            if (sink.exited(j, code)) {
                log.info("job {} exited with {}", j.getId(), code.isPresent() ? code.getAsInt() : "unknown status");
                table.remove(j.getId());
                goneSince.remove(j.getId());
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
