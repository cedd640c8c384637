package io.roam.agent.spool;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.roam.agent.jobs.JobTable;
import io.roam.agent.sandbox.JobProcesses;
import io.roam.core.JobId;
import io.roam.core.RoamHome;
import io.roam.proto.DropSpoolReply;
import io.roam.proto.DropSpoolRequest;
import io.roam.proto.FetchSpoolReply;
import io.roam.proto.FetchSpoolRequest;
import io.roam.proto.MarkSpoolReply;
import io.roam.proto.MarkSpoolRequest;
import io.roam.proto.ReadSpoolRequest;
import io.roam.proto.SpoolChunk;
import io.roam.proto.SpoolGrpc;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Mark, Fetch (on the target), Read (on the source) and Drop of a job's spool directory. */
public final class SpoolService extends SpoolGrpc.SpoolImplBase {
    static final String MARK_PREFIX = ".roam-mark-";
    private static final Duration FETCH_DEADLINE = Duration.ofHours(2);
    private static final Logger log = LoggerFactory.getLogger(SpoolService.class);

    private final RoamHome home;
    private final JobTable table;
    private final Identity identity;
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    public SpoolService(RoamHome home, JobTable table, Identity identity) {
        this.home = home;
        this.table = table;
        this.identity = identity;
    }

    /** Marks the job's spool directory with a fresh token (removing older marks); with a token given, removes that mark. */
    @Override
    public void mark(MarkSpoolRequest req, StreamObserver<MarkSpoolReply> obs) {
        MarkSpoolReply.Builder r = MarkSpoolReply.newBuilder();
        try {
            Path spool = spool(req.getJob());
            if (!req.getClear().isEmpty()) {
                if (!req.getClear().matches("[0-9a-f]{24}")) throw new IllegalArgumentException("invalid token");
                Files.deleteIfExists(spool.resolve(MARK_PREFIX + req.getClear()));
                r.setOk(true);
            } else if (!Files.isDirectory(spool)) {
                r.setError("the output files of job " + req.getJob() + " are not on this node (" + spool + ")");
            } else {
                SpoolFiles.removeMarks(spool);
                String token = HexFormat.of().formatHex(bytes(12));
                Files.createFile(spool.resolve(MARK_PREFIX + token));
                r.setOk(true).setToken(token);
            }
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            r.setError("cannot mark the output files of job " + req.getJob() + ": " + e.getMessage());
        }
        reply(obs, r.build());
    }

    @Override
    public void fetch(FetchSpoolRequest req, StreamObserver<FetchSpoolReply> obs) {
        FetchSpoolReply.Builder r = FetchSpoolReply.newBuilder();
        try {
            Path spool = spool(req.getJob());
            if (!req.getToken().matches("[0-9a-f]{24}")) throw new IllegalArgumentException("invalid token");
            if (Files.exists(spool.resolve(MARK_PREFIX + req.getToken()))) {
                reply(obs, r.setOk(true).setShared(true).build()); // the same directory: nothing to copy
                return;
            }
            if (table.get(req.getJob()).filter(j -> JobProcesses.alive(j.getHostPid(), j.getHostPidStart())).isPresent()) {
                throw new IllegalStateException("job " + req.getJob() + " runs on this node: its output files are not replaced");
            }
            ManagedChannel ch = channels.computeIfAbsent(req.getSourceAddress(), a -> Tls.channel(a, identity));
            Iterator<SpoolChunk> chunks = SpoolGrpc.newBlockingStub(ch).withDeadlineAfter(FETCH_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .read(ReadSpoolRequest.newBuilder().setJob(req.getJob()).setToken(req.getToken()).build());
            SpoolFiles.Received got = SpoolFiles.receive(spool, req.getToken(), chunks);
            log.info("output files of job {} fetched from {}: {} files, {} bytes", req.getJob(), req.getSourceNode(), got.files(), got.bytes());
            r.setOk(true).setFiles(got.files()).setBytes(got.bytes());
        } catch (StatusRuntimeException e) {
            r.setError("reading them from " + req.getSourceNode() + " failed: " + e.getStatus().getCode()
                    + (e.getStatus().getDescription() == null ? "" : " (" + e.getStatus().getDescription() + ")"));
        } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
            r.setError(e.getMessage());
        }
        reply(obs, r.build());
    }

    @Override
    public void read(ReadSpoolRequest req, StreamObserver<SpoolChunk> obs) {
        try {
            Path spool = spool(req.getJob());
            if (!Files.exists(spool.resolve(MARK_PREFIX + req.getToken()))) {
                throw new IllegalArgumentException("the output files of job " + req.getJob() + " were not marked with that token here");
            }
            SpoolFiles.send(spool, (io.grpc.stub.ServerCallStreamObserver<SpoolChunk>) obs);
            obs.onCompleted();
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            obs.onError(io.grpc.Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            obs.onError(io.grpc.Status.CANCELLED.withDescription("interrupted").asRuntimeException());
        }
    }

    /** Deletes this node's copy of the job's spool directory; refused while the job runs here. */
    @Override
    public void drop(DropSpoolRequest req, StreamObserver<DropSpoolReply> obs) {
        DropSpoolReply.Builder r = DropSpoolReply.newBuilder();
        try {
            Path spool = spool(req.getJob());
            if (table.get(req.getJob()).filter(j -> JobProcesses.alive(j.getHostPid(), j.getHostPidStart())).isPresent()) {
                r.setError("job " + req.getJob() + " runs on this node: its output files stay");
            } else {
                SpoolFiles.deleteTree(spool);
                r.setOk(true);
            }
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            r.setError("cannot delete the output files of job " + req.getJob() + ": " + e.getMessage());
        }
        reply(obs, r.build());
    }

    private Path spool(String job) {
        if (!JobId.isValid(job)) throw new IllegalArgumentException("invalid job id");
        return home.spoolDir(JobId.of(job));
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static <T> void reply(StreamObserver<T> obs, T value) {
        obs.onNext(value);
        obs.onCompleted();
    }
}
