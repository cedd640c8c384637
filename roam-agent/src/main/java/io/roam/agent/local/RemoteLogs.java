package io.roam.agent.local;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.roam.agent.jobs.JobTable;
import io.roam.agent.sandbox.ExitRecords;
import io.roam.agent.sandbox.JobProcesses;
import io.roam.core.JobId;
import io.roam.core.RoamHome;
import io.roam.proto.AgentGrpc;
import io.roam.proto.LogChunk;
import io.roam.proto.ReadLogsRequest;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code roam logs} of a job whose output files are on another machine: the agent there serves them (Agent.ReadLogs,
 * over mutual TLS) from the offsets the reader reached, and with follow until the job ends or leaves that node; the
 * reader then finds the job's new node and goes on there from the same offsets (the files moved with the job).
 */
public final class RemoteLogs {
    private final Identity identity;
    private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    public RemoteLogs(Identity identity) { this.identity = identity; }

    /** What a remote read came to: the job ended (its exit record is there), or the stream ended for another reason. */
    record Read(boolean jobEnded) {}

    /** Reads from the agent at {@code address}, advancing {@code offsets}. */
    Read read(String address, String job, boolean stdout, boolean stderr, boolean follow, long[] offsets, LogStreamer.Sink sink)
            throws IOException {
        ManagedChannel ch = channels.computeIfAbsent(address, a -> Tls.channel(a, identity));
        ReadLogsRequest req = ReadLogsRequest.newBuilder().setJob(job).setFollow(follow).setOutOffset(offsets[0]).setErrOffset(offsets[1])
                .setStdout(stdout).setStderr(stderr).build();
        try {
            var stub = AgentGrpc.newBlockingStub(ch);
            Iterator<LogChunk> it = (follow ? stub : stub.withDeadlineAfter(10, TimeUnit.MINUTES)).readLogs(req);
            boolean ended = false;
            while (it.hasNext()) {
                LogChunk c = it.next();
                if (!c.getOut().isEmpty()) {
                    offsets[0] += c.getOut().size();
                    sink.accept(true, c.getOut());
                }
                if (!c.getErr().isEmpty()) {
                    offsets[1] += c.getErr().size();
                    sink.accept(false, c.getErr());
                }
                ended |= c.getJobEnded();
            }
            return new Read(ended);
        } catch (StatusRuntimeException e) {
            String d = e.getStatus().getDescription();
            throw new IOException(d != null ? d : "the agent at " + address + " did not serve the logs (" + e.getStatus().getCode() + ")");
        }
    }

    /** The server side: stream the job's files from the request's offsets; with follow, until the job is no longer running here. */
    public static void serve(RoamHome home, JobTable table, ReadLogsRequest req, StreamObserver<LogChunk> obs) {
        if (!JobId.isValid(req.getJob())) {
            obs.onError(Status.INVALID_ARGUMENT.withDescription("invalid job id").asRuntimeException());
            return;
        }
        Path spool = home.spoolDir(JobId.of(req.getJob()));
        if (!Files.isDirectory(spool)) {
            obs.onError(Status.NOT_FOUND.withDescription("the output of job " + req.getJob() + " is not on this node").asRuntimeException());
            return;
        }
        var call = (ServerCallStreamObserver<LogChunk>) obs;
        boolean both = !req.getStdout() && !req.getStderr();
        long[] offsets = {Math.max(0, req.getOutOffset()), Math.max(0, req.getErrOffset())};
        LogStreamer.Sink sink = (stdout, bytes) -> {
            while (!call.isReady()) {
                if (call.isCancelled()) throw new IOException("the reader went away");
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
            call.onNext(stdout ? LogChunk.newBuilder().setOut(bytes).build() : LogChunk.newBuilder().setErr(bytes).build());
        };
        try {
            LogStreamer.stream(spool, both || req.getStdout(), both || req.getStderr(), req.getFollow()
                    ? () -> call.isCancelled() || table.get(req.getJob()).filter(j -> JobProcesses.alive(j.getHostPid(), j.getHostPidStart())).isEmpty()
                    : null, sink, offsets);
            call.onNext(LogChunk.newBuilder().setJobEnded(Files.exists(spool.resolve(ExitRecords.EXIT_FILE))).build());
            call.onCompleted();
        } catch (IOException e) {
            if (!call.isCancelled()) call.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.onError(Status.CANCELLED.asRuntimeException());
        }
    }

    public void close() { channels.values().forEach(ManagedChannel::shutdownNow); }
}
