package io.roam.agent.exec;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.roam.proto.Done;
import io.roam.proto.ExecGrpc;
import io.roam.proto.ExecInput;
import io.roam.proto.LocalReply;
import io.roam.rpc.CallerIds;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code Exec} gRPC service: runs commands that another node's agent placed here. Only agents may call it (the
 * peer's certificate, issued by the cluster CA, is named agent-NODE); the caller's identity in ExecStart is what that
 * agent read from SO_PEERCRED, trusted as the coordinator's job specs are.
 */
final class ExecService extends ExecGrpc.ExecImplBase {
    private static final Logger log = LoggerFactory.getLogger(ExecService.class);
    private final ExecRunner runner;

    ExecService(ExecRunner runner) { this.runner = runner; }

    @Override
    public StreamObserver<ExecInput> exec(StreamObserver<LocalReply> responses) {
        String peer = CallerIds.peerName();
        if (peer == null || !peer.startsWith("agent-")) {
            responses.onError(Status.PERMISSION_DENIED.withDescription("only agents may exec here, not " + peer).asRuntimeException());
            return new Ignore();
        }
        Replies replies = reply -> {
            synchronized (responses) {
                responses.onNext(reply);
            }
        };
        return new StreamObserver<>() {
            private ExecTarget target;

            @Override
            public void onNext(ExecInput in) {
                switch (in.getMsgCase()) {
                    case START -> {
                        if (target != null) return;
                        var s = in.getStart();
                        switch (runner.start(s.getCaller(), s.getArgvList(), s.getCwd(), s.getEnvMap(), replies)) {
                            case ExecRunner.Started(CommandProcess p) -> {
                                target = p;
                                Thread.ofVirtual().name("exec-remote").start(() -> finish(p));
                            }
                            case ExecRunner.Refused(Done d) -> end(d);
                        }
                    }
                    case INPUT -> { if (target != null) target.input(in.getInput()); }
                    case MSG_NOT_SET -> { }
                }
            }

            private void finish(CommandProcess p) {
                try {
                    Optional<Done> d = Optional.empty();
                    while (d.isEmpty()) d = p.awaitDone(Duration.ofMinutes(1));
                    end(d.get());
                } catch (InterruptedException e) {
                    p.abandon();
                }
            }

            private void end(Done d) {
                synchronized (responses) {
                    responses.onNext(LocalReply.newBuilder().setDone(d).build());
                    responses.onCompleted();
                }
            }

            @Override
            public void onError(Throwable t) {
                log.debug("exec stream from {} broke: {}", peer, t.toString());
                if (target != null) target.abandon();
            }

            @Override
            public void onCompleted() { }
        };
    }

    private static final class Ignore implements StreamObserver<ExecInput> {
        @Override public void onNext(ExecInput value) { }
        @Override public void onError(Throwable t) { }
        @Override public void onCompleted() { }
    }
}
