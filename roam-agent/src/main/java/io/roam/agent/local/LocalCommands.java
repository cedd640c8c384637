package io.roam.agent.local;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.roam.agent.rpc.CoordinatorLink;
import io.roam.core.JobId;
import io.roam.core.RoamHome;
import io.roam.proto.Caller;
import io.roam.proto.CheckReport;
import io.roam.proto.CheckpointInfo;
import io.roam.proto.CheckpointJobRequest;
import io.roam.proto.Done;
import io.roam.proto.JobInfo;
import io.roam.proto.JobRef;
import io.roam.proto.JobSpec;
import io.roam.proto.JobState;
import io.roam.proto.KillJobRequest;
import io.roam.proto.ListCheckpointsRequest;
import io.roam.proto.ListJobsRequest;
import io.roam.proto.ListNodesRequest;
import io.roam.proto.NodeInfo;
import io.roam.proto.LocalRequest;
import io.roam.proto.NodeRef;
import io.roam.proto.RestoreJobRequest;
import io.roam.proto.SleepWakeReply;
import io.roam.proto.SubmitRequest;
import io.roam.proto.WaitJobRequest;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves the CLI's requests: most go to the coordinator on behalf of the authenticated caller; logs are read here. */
public final class LocalCommands implements LocalServer.Handler {
    private static final Logger log = LoggerFactory.getLogger(LocalCommands.class);
    private static final Duration SHORT = Duration.ofSeconds(30);
    private static final Duration LONG = Duration.ofMinutes(30);   // dumps and restores of multi-GB jobs
    private static final int TIMEOUT_EXIT = 124;

    private final CoordinatorLink coordinator;
    private final RemoteLogs remote;
    private final RoamHome home;
    private final String node;
    private final java.util.function.BooleanSupplier registered;

    /** {@code registered}: whether the agent is registered with the coordinator (ping fails until then). */
    public LocalCommands(CoordinatorLink coordinator, RoamHome home, String node, java.util.function.BooleanSupplier registered,
                         RemoteLogs remote) {
        this.coordinator = coordinator;
        this.remote = remote;
        this.home = home;
        this.node = node;
        this.registered = registered;
    }

    @Override
    public void handle(Caller caller, LocalRequest req, LocalServer.ReplyWriter out) throws IOException {
        Done done;
        try {
            done = dispatch(caller, req, out);
        } catch (StatusRuntimeException e) {
            done = fail(CoordinatorLink.describe(e));
        } catch (IllegalArgumentException e) {
            done = Done.newBuilder().setExitCode(2).setError(e.getMessage()).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = fail("interrupted");
        } catch (RuntimeException e) {
            log.error("local request {} failed", req.getCmdCase(), e);
            done = fail("internal error: " + e);
        }
        out.done(done);
    }

    private Done dispatch(Caller caller, LocalRequest req, LocalServer.ReplyWriter out) throws IOException, InterruptedException {
        var c = coordinator;
        return switch (req.getCmdCase()) {
            case PING -> registered.getAsBoolean()
                    ? Done.newBuilder().addLines("agent " + node + " is up").build()
                    : fail("agent " + node + " is not registered with the coordinator yet");
            case RUN -> {
                var r = req.getRun();
                if (r.getArgvCount() == 0) throw new IllegalArgumentException("nothing to run: give a command after --");
                if (!r.getName().isEmpty() && !JobId.isValid(r.getName())) {
                    String n = r.getName().replaceAll("\\p{Cntrl}", "?");
                    JobId.of(n.length() <= 40 ? n : n.substring(0, 40) + "…");   // throws the explanation, one short line
                }
                JobSpec spec = JobSpec.newBuilder().addAllArgv(r.getArgvList()).setCwd(r.getCwd()).putAllEnv(r.getEnvMap())
                        .setUid(caller.getUid()).setGid(caller.getGid()).addAllGroups(caller.getGroupsList())
                        .setUser(caller.getUser()).setName(r.getName()).setNode(r.getNode()).setNet(r.getNet())
                        .setCheckpointEveryMs(r.getCheckpointEveryMs()).build();
                JobInfo job = c.stub(SHORT).submit(SubmitRequest.newBuilder().setCaller(caller).setSpec(spec).build());
                yield Done.newBuilder().setId(job.getId()).addJobs(job).build();
            }
            case PS -> Done.newBuilder().addAllJobs(c.stub(SHORT).listJobs(
                    ListJobsRequest.newBuilder().setCaller(caller).setAll(req.getPs().getAll()).build()).getJobsList()).build();
            case LOGS -> logs(caller, req.getLogs(), out);
            case KILL -> {
                int sig = req.getKill().getSignal() == 0 ? 15 : req.getKill().getSignal();
                JobInfo j = c.stub(SHORT).killJob(KillJobRequest.newBuilder().setCaller(caller).setJob(req.getKill().getJob()).setSignal(sig).build());
                yield Done.newBuilder().setId(j.getId()).addJobs(j).build();
            }
            case WAIT -> waitFor(caller, req.getWait().getJob(), req.getWait().getTimeoutMs());
            case CHECKPOINT -> {
                CheckpointInfo ck = c.stub(LONG).checkpointJob(CheckpointJobRequest.newBuilder().setCaller(caller)
                        .setJob(req.getCheckpoint().getJob()).setLeaveRunning(req.getCheckpoint().getLeaveRunning()).build());
                yield Done.newBuilder().setId(ck.getId()).addCheckpoints(ck).build();
            }
            case RESTORE -> {
                JobInfo j = c.stub(LONG).restoreJob(RestoreJobRequest.newBuilder().setCaller(caller)
                        .setCheckpoint(req.getRestore().getCheckpoint()).build());
                yield Done.newBuilder().setId(j.getId()).addJobs(j).build();
            }
            case CHECKPOINTS -> Done.newBuilder().addAllCheckpoints(c.stub(SHORT).listCheckpoints(ListCheckpointsRequest.newBuilder()
                    .setCaller(caller).setJob(req.getCheckpoints().getJob()).build()).getCheckpointsList()).build();
            case SLEEP -> sleepWake(c.stub(LONG).sleepNode(nodeRef(caller, req.getSleep().getNode())));
            case WAKE -> sleepWake(c.stub(LONG).wakeNode(nodeRef(caller, req.getWake().getNode())));
            case CHECK -> {
                CheckReport r = c.stub(SHORT).checkJob(JobRef.newBuilder().setCaller(caller).setJob(req.getCheck().getJob()).build());
                yield Done.newBuilder().setExitCode(r.getMigratable() ? 0 : 1).setCheck(r).build();
            }
            case NODES -> Done.newBuilder().addAllNodes(c.stub(SHORT).listNodes(
                    ListNodesRequest.newBuilder().setCaller(caller).build()).getNodesList()).build();
            case REMOVE -> {
                var ack = c.stub(SHORT).removeJob(JobRef.newBuilder().setCaller(caller).setJob(req.getRemove().getJob()).build());
                yield ack.getOk() || ack.getError().isEmpty() ? Done.getDefaultInstance() : fail(ack.getError());
            }
            case MIGRATE, DRAIN, UNDRAIN -> io.roam.agent.migration.MigrationCalls.handle(c, caller, req, out);
            case EVENTS, OWNER -> io.roam.agent.balance.BalanceCalls.handle(c, caller, req, out);
            case EXEC ->
                    fail("roam " + req.getCmdCase().name().toLowerCase() + " is not available in this version of the agent");
            case CMD_NOT_SET -> throw new IllegalArgumentException("empty request");
        };
    }

    private NodeRef nodeRef(Caller caller, String n) {
        return NodeRef.newBuilder().setCaller(caller).setNode(n.isEmpty() ? node : n).build();
    }

    private static Done sleepWake(SleepWakeReply r) {
        var b = Done.newBuilder().addAllLines(r.getLinesList());
        if (r.getFailed() > 0) b.setExitCode(1).setError(r.getFailed() + " job(s) could not be handled: see above");
        return b.build();
    }

    private Done waitFor(Caller caller, String job, long timeoutMs) {
        long deadline = timeoutMs > 0 ? System.currentTimeMillis() + timeoutMs : Long.MAX_VALUE;
        while (true) {
            long slice = Math.min(30_000, Math.max(1, deadline - System.currentTimeMillis()));
            JobInfo j = coordinator.stub(Duration.ofMillis(slice + 10_000))
                    .waitJob(WaitJobRequest.newBuilder().setCaller(caller).setJob(job).setTimeoutMs(slice).build());
            switch (j.getState()) {
                case EXITED -> { return Done.newBuilder().setExitCode(j.getExitCode()).addJobs(j).build(); }
                case FAILED, LOST -> { return fail("job " + job + " is " + j.getState().name().toLowerCase() + ": " + j.getReason()); }
                default -> {
                    if (System.currentTimeMillis() >= deadline) {
                        return Done.newBuilder().setExitCode(TIMEOUT_EXIT)
                                .setError("timed out waiting for job " + job + " (still " + j.getState().name().toLowerCase() + ")").build();
                    }
                }
            }
        }
    }

    private Done logs(Caller caller, io.roam.proto.LogsCmd cmd, LocalServer.ReplyWriter out) throws IOException, InterruptedException {
        JobRef ref = JobRef.newBuilder().setCaller(caller).setJob(cmd.getJob()).build();
        JobInfo j = coordinator.stub(SHORT).getJob(ref);
        boolean both = !cmd.getStdoutOnly() && !cmd.getStderrOnly();
        boolean stdout = both || cmd.getStdoutOnly(), stderr = both || cmd.getStderrOnly();
        long[] offsets = {0, 0};
        LogStreamer.Sink sink = LogStreamer.to(out);
        boolean follow = cmd.getFollow();
        while (true) {
            var spool = home.spoolDir(JobId.of(j.getId()));
            if (java.nio.file.Files.isDirectory(spool)) {
                // here (or on a file system the nodes share); with follow, until the job ends or its files leave
                long[] lastCheck = {0};
                boolean[] ended = {ended(j)};
                java.util.function.BooleanSupplier isEnded = () -> {
                    if (ended[0] || !java.nio.file.Files.isDirectory(spool)) return true;
                    long now = System.currentTimeMillis();
                    if (now - lastCheck[0] < 500) return false;
                    lastCheck[0] = now;
                    ended[0] = ended(coordinator.stub(SHORT).getJob(ref));
                    return ended[0];
                };
                LogStreamer.stream(spool, stdout, stderr, follow ? isEnded : null, sink, offsets);
                if (!follow || ended[0]) return Done.getDefaultInstance();
            } else {
                String node = j.getNode();
                String address = node.isEmpty() ? null : coordinator.stub(SHORT).listNodes(ListNodesRequest.newBuilder().setCaller(caller).build())
                        .getNodesList().stream().filter(n -> n.getId().equals(node)).map(NodeInfo::getAddress).findFirst().orElse(null);
                if (address == null) {
                    throw Status.NOT_FOUND.withDescription("the output of job " + j.getId() + " is not on this machine"
                            + (node.isEmpty() ? "" : ", and node " + node + " is unknown")).asRuntimeException();
                }
                RemoteLogs.Read r = remote.read(address, j.getId(), cmd.getStdoutOnly(), cmd.getStderrOnly(), follow, offsets, sink);
                if (!follow || r.jobEnded()) return Done.getDefaultInstance();
            }
            // following a job whose files left the node we read them on: find where it runs now
            Thread.sleep(300);
            j = coordinator.stub(SHORT).getJob(ref);
            if (ended(j)) follow = false; // one last read of what it wrote, wherever its files are
        }
    }

    private static boolean ended(JobInfo j) {
        return j.getState() == JobState.EXITED || j.getState() == JobState.FAILED || j.getState() == JobState.LOST;
    }

    private static Done fail(String error) {
        return Done.newBuilder().setExitCode(1).setError(error).build();
    }
}
