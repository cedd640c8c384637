package io.roam.agent.live;

import io.roam.agent.jobs.JobTable;
import io.roam.agent.net.JobNetwork;
import io.roam.agent.sandbox.JobProcesses;
import io.roam.agent.transfer.PageRelay;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import io.roam.criu.LazyPages;
import io.roam.proto.JobInfo;
import io.roam.proto.LivePagesReply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The page phases of post-copy moves on this node, after {@link LiveSteps} started them (the source's lazy dump
 * serving, or the target's lazy-pages daemon fetching): who waits for their end, what happens then on each side, and
 * their outcomes, kept for a coordinator that asks again.
 */
final class PagePhases {
    private static final Logger log = LoggerFactory.getLogger(PagePhases.class);
    private static final Duration PAGES_TIMEOUT = Duration.ofHours(1);

    /** Outcomes of page phases that ended here, for a coordinator that asks again (a new leader after a restart). */
    private static final int ENDED_KEPT = 256;

    /**
     * A live migration in progress on this node; {@code relay}: the source's end of the page relay (null when criu
     * serves its pages itself); {@code outcome}: its page phase's end, once one caller settled it.
     */
    record Session(JobInfo job, LazyPages.Running criu, boolean source, Path dir, PageRelay.Local relay,
                   CompletableFuture<LivePagesReply> outcome) {
        Session(JobInfo job, LazyPages.Running criu, boolean source, Path dir, PageRelay.Local relay) {
            this(job, criu, source, dir, relay, new CompletableFuture<>());
        }
    }

    private final JobTable table;
    private final RoamHome home;
    private final NodeId node;
    private final JobNetwork network;
    private final PageRelay relay;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, LivePagesReply> ended = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>() {
        @Override protected boolean removeEldestEntry(Map.Entry<String, LivePagesReply> e) { return size() > ENDED_KEPT; }
    });

    PagePhases(JobTable table, RoamHome home, NodeId node, JobNetwork network, PageRelay relay) {
        this.table = table;
        this.home = home;
        this.node = node;
        this.network = network;
        this.relay = relay;
    }

    /** A page phase begins: its criu serves (source) or fetches (target) the job's pages. */
    void start(Session s) { sessions.put(s.job().getId(), s); }

    /** The page phase of {@code job}, taken away unsettled (the source gives the job back): null when none. */
    Session remove(String job) { return sessions.remove(job); }

    /**
     * Blocks until the page transfer of {@code job} is over on this node. Asked again (a coordinator that took over
     * from one that died in the page phase), it answers the same; asked about a page phase it never saw (its agent
     * restarted since), it says it does not know.
     */
    LivePagesReply pages(String job) {
        Session s = sessions.get(job);
        if (s == null) {
            LivePagesReply done = ended.get(job);
            return done != null ? done : LivePagesReply.newBuilder().setOk(false).setUnknown(true)
                    .setError("no live migration of job " + job + " on " + node + " (its agent may have restarted since)").build();
        }
        synchronized (s) {   // the first caller settles the session; a later one gets the same outcome
            if (!s.outcome().isDone()) {
                LivePagesReply r = settle(job, s);
                if (r == null) return LivePagesReply.newBuilder().setOk(false).setError("interrupted").build();
                ended.put(job, r);
                s.outcome().complete(r);
                sessions.remove(job, s);
            }
        }
        return s.outcome().join();
    }

    /** Waits for criu, cleans up after it and says how the page phase ended; null when interrupted. */
    private LivePagesReply settle(String job, Session s) {
        int code;
        try {
            code = s.criu().exit().get(PAGES_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            s.criu().kill();
            code = -1;
        }
        long took = s.criu().millisSinceStart();
        String logName = s.source() ? LazyPages.DUMP_LOG : LazyPages.PAGES_LOG;
        if (s.source()) {
            relay.cancel(job);   // a target that never came for the pages (criu has ended)
            // criu kills the tree after the last page; after a failure it resumes it: the target has the job, so stop it here.
            if (JobProcesses.alive(s.job().getHostPid(), s.job().getHostPidStart())) JobProcesses.signal(s.job().getHostPid(), 9);
            if (!s.job().getNetAddress().isEmpty()) network.release(s.job().getNetAddress());
            table.remove(job);
            table.clearBusy(job);
        } else {
            if (code != 0) dropTarget(job, s.job(), code);
            table.clearBusy(job);
        }
        // criu's page server exits 0 on a bare end of stream too: relayed, the agent saw whether the target said goodbye
        boolean cut = code == 0 && s.relay() != null && !s.relay().peerClosed();
        String why = cut ? "the page relay to the target was cut before its lazy-pages daemon closed the transfer"
                + " (the target's agent or node went away; this node's criu page server exited 0)"
                : code == 0 ? "" : (s.source() ? "the source's criu page server failed" : "the target's criu lazy-pages daemon failed")
                + " (exit " + code + "): " + lastError(s.job(), logName);
        log.info("live migration of job {}: page transfer on {} ended with {} after {} ms{}", job, node, code, took, cut ? ": " + why : "");
        return LivePagesReply.newBuilder().setOk(code == 0 && !cut).setExitCode(code).setTookMs(took).setError(why).build();
    }

    /** The target's copy cannot go on without its missing pages: drop it from the table (no exit report), then kill it. */
    void dropTarget(String job, JobInfo restored, int code) {
        if (table.get(job).filter(j -> j.getHostPid() == restored.getHostPid()).isEmpty()) return;
        table.remove(job);
        JobProcesses.signal(restored.getHostPid(), 9);
        log.warn("job {}: criu lazy-pages exited with {} before every page arrived; its restored copy (pid {}) was killed", job, code,
                restored.getHostPid());
    }

    private String lastError(JobInfo job, String logName) {
        try (var dirs = Files.list(home.imagesDir(node))) {
            for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith(job.getId() + ".")).toList()) {
                Path log = d.resolve(logName);
                if (!Files.isRegularFile(log)) continue;
                String last = "";
                for (String l : Files.readAllLines(log)) if (l.contains("Error")) last = l.replaceFirst("^\\([0-9.]+\\) ", "");
                if (!last.isEmpty()) return last;
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "see its log";
    }
}
