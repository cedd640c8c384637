package io.roam.coordinator.jobs;

import io.roam.coordinator.agents.AgentClients;
import io.roam.coordinator.agents.AgentReply;
import io.roam.coordinator.store.Versioned;
import io.roam.coordinator.store.ZkJobStore;
import io.roam.core.JobEvent;
import io.roam.core.JobId;
import io.roam.core.NodeId;
import io.roam.proto.Ack;
import io.roam.proto.Caller;
import io.roam.proto.CheckReport;
import io.roam.proto.InspectJobRequest;
import io.roam.proto.JobInfo;
import io.roam.proto.SignalJobRequest;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** KillJob, RemoveJob, CheckJob: act on one of the caller's jobs through its agent. */
public final class JobControl {
    private static final Logger LOG = LoggerFactory.getLogger(JobControl.class);
    static final Duration AGENT_DEADLINE = Duration.ofSeconds(30);
    private static final int SIGTERM = 15;

    private final ZkJobStore store;
    private final JobLookup lookup;
    private final JobTransitions transitions;
    private final AgentClients agents;

    public JobControl(ZkJobStore store, JobLookup lookup, JobTransitions transitions, AgentClients agents) {
        this.store = store;
        this.lookup = lookup;
        this.transitions = transitions;
        this.agents = agents;
    }

    /** Forwards the signal (0: SIGTERM) to the job's agent; the exit arrives later through ReportJobExit. */
    public Answer<JobInfo> kill(Caller caller, String job, int signal) {
        if (signal < 0 || signal > 64) return Answer.refused(Answer.Kind.INVALID, "invalid signal " + signal + ": use 1-64 (default 15, SIGTERM)");
        Answer<JobInfo> running = running(caller, job, "kill");
        if (!(running instanceof Answer.Ok<JobInfo>(JobInfo j))) return running;
        NodeId node = NodeId.of(j.getNode());
        SignalJobRequest req = SignalJobRequest.newBuilder().setJob(j.getId()).setSignal(signal == 0 ? SIGTERM : signal).build();
        return switch (agents.call(node, AGENT_DEADLINE, a -> a.signalJob(req))) {
            case AgentReply.Answered<Ack>(Ack ack) when ack.getOk() -> Answer.ok(store.get(JobId.of(j.getId())).map(Versioned::value).orElse(j));
            case AgentReply.Answered<Ack>(Ack ack) -> Answer.refused(Answer.Kind.PRECONDITION,
                    "could not signal job " + j.getId() + " on " + node + ": " + JobLookup.firstLine(ack.getError()));
            case AgentReply.Unreachable<Ack>(String why) -> Answer.refused(Answer.Kind.UNAVAILABLE, why);
        };
    }

    /** SIGKILL to stale copies of jobs on {@code node} (see {@link ExitReports#stale}), retried while the agent starts. */
    public void killStale(NodeId node, List<String> jobs) {
        for (String job : jobs) {
            SignalJobRequest req = SignalJobRequest.newBuilder().setJob(job).setSignal(9).build();
            if (agents.callUntilAnswered(node, AGENT_DEADLINE, 10, Duration.ofMillis(500), a -> a.signalJob(req))
                    instanceof AgentReply.Answered<Ack>(Ack ack)) {
                LOG.warn("killed the stale copy of job {} on {}: {}", job, node, ack.getOk() ? "done" : ack.getError());
            }
            if (Thread.currentThread().isInterrupted()) return;
        }
    }

    /** Removes a finished or checkpointed job: its record, its checkpoints and their images. */
    public Answer<Ack> remove(Caller caller, String job) {
        Answer<Versioned<JobInfo>> found = lookup.find(caller, job);
        if (found instanceof Answer.Refused<Versioned<JobInfo>> r) return r.as();
        return switch (transitions.apply(JobId.of(job), new JobEvent.Removed())) {
            case TransitionOutcome.Applied a -> Answer.ok(Ack.newBuilder().setOk(true).build());
            case TransitionOutcome.Rejected r -> Answer.refused(Answer.Kind.PRECONDITION, r.reason());
            case TransitionOutcome.Missing m -> Answer.refused(Answer.Kind.NOT_FOUND, "no such job: " + job);
        };
    }

    /** Asks the job's agent whether the running job could be checkpointed, and why not. */
    public Answer<CheckReport> check(Caller caller, String job) {
        Answer<JobInfo> running = running(caller, job, "check");
        if (!(running instanceof Answer.Ok<JobInfo>(JobInfo j))) return ((Answer.Refused<JobInfo>) running).as();
        InspectJobRequest req = InspectJobRequest.newBuilder().setJob(j.getId()).setHostPid(j.getHostPid()).build();
        return switch (agents.call(NodeId.of(j.getNode()), AGENT_DEADLINE, a -> a.inspectJob(req))) {
            case AgentReply.Answered<CheckReport>(CheckReport report) -> Answer.ok(report);
            case AgentReply.Unreachable<CheckReport>(String why) -> Answer.refused(Answer.Kind.UNAVAILABLE, why);
        };
    }

    /** The caller's job if a process of it runs now; otherwise a refusal that says where the job is. */
    private Answer<JobInfo> running(Caller caller, String job, String verb) {
        Answer<Versioned<JobInfo>> found = lookup.find(caller, job);
        if (!(found instanceof Answer.Ok<Versioned<JobInfo>>(Versioned<JobInfo> v))) return ((Answer.Refused<Versioned<JobInfo>>) found).as();
        JobInfo j = v.value();
        String id = j.getId();
        return switch (JobRecords.toCore(j.getState())) {
            case RUNNING, CHECKPOINTING -> Answer.ok(j);
            case CHECKPOINTED -> Answer.refused(Answer.Kind.PRECONDITION, "job " + id + " is not running (held by checkpoint "
                    + j.getCheckpoint() + "): roam restore " + j.getCheckpoint() + " resumes it, roam rm " + id + " discards it");
            case PENDING -> Answer.refused(Answer.Kind.PRECONDITION, "job " + id + " is still starting: try to " + verb + " it again in a moment");
            case RESTORING -> Answer.refused(Answer.Kind.PRECONDITION, "job " + id + " is being restored: try to " + verb + " it again in a moment");
            case MIGRATING -> Answer.refused(Answer.Kind.PRECONDITION, "job " + id + " is being migrated: try to " + verb + " it again in a moment");
            case EXITED -> Answer.refused(Answer.Kind.PRECONDITION, "job " + id + " is not running: it has already exited (code " + j.getExitCode() + ")");
            case FAILED -> Answer.refused(Answer.Kind.PRECONDITION, "job " + id + " is not running: it failed: " + j.getReason());
            case LOST -> Answer.refused(Answer.Kind.PRECONDITION, "job " + id + " is not running: it was lost: " + j.getReason());
        };
    }
}
