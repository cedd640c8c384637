package io.roam.agent.live;

import io.grpc.stub.StreamObserver;
import io.roam.proto.AgentRestoreReply;
import io.roam.proto.LiveAbortReply;
import io.roam.proto.LiveAbortRequest;
import io.roam.proto.LiveDumpReply;
import io.roam.proto.LiveDumpRequest;
import io.roam.proto.LiveGrpc;
import io.roam.proto.LivePagesReply;
import io.roam.proto.LivePagesRequest;
import io.roam.proto.LiveRestoreRequest;

/** The coordinator's post-copy calls (mutual TLS only), handed to {@link LiveSteps}. */
public final class LiveService extends LiveGrpc.LiveImplBase {
    private final LiveSteps steps;

    public LiveService(LiveSteps steps) { this.steps = steps; }

    @Override
    public void dump(LiveDumpRequest req, StreamObserver<LiveDumpReply> obs) { reply(obs, steps.dump(req)); }

    @Override
    public void restore(LiveRestoreRequest req, StreamObserver<AgentRestoreReply> obs) { reply(obs, steps.restore(req)); }

    @Override
    public void abort(LiveAbortRequest req, StreamObserver<LiveAbortReply> obs) { reply(obs, steps.abort(req.getJob())); }

    @Override
    public void pages(LivePagesRequest req, StreamObserver<LivePagesReply> obs) { reply(obs, steps.pages(req.getJob())); }

    private static <T> void reply(StreamObserver<T> obs, T value) {
        obs.onNext(value);
        obs.onCompleted();
    }
}
