package io.roam.agent.exec;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.roam.proto.Caller;
import io.roam.proto.Done;
import io.roam.proto.ExecCmd;
import io.roam.proto.ExecGrpc;
import io.roam.proto.ExecInput;
import io.roam.proto.ExecStart;
import io.roam.proto.LocalInput;
import io.roam.proto.LocalReply;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A command exec'd on another node: the client side of that node's {@code Exec} stream. */
final class PeerExec implements ExecTarget {
    private final String node;
    private final StreamObserver<ExecInput> requests;
    private final CompletableFuture<Done> done = new CompletableFuture<>();
    private boolean closed;   // our side of the stream is finished (guarded by this)

    private PeerExec(String node, ManagedChannel channel, Replies replies) {
        this.node = node;
        this.requests = ExecGrpc.newStub(channel).exec(new StreamObserver<>() {
            @Override
            public void onNext(LocalReply reply) {
                if (reply.hasDone()) {
                    done.complete(reply.getDone());
                    return;
                }
                try {
                    replies.send(reply);
                } catch (IOException e) {
                    abandon();
                }
            }

            @Override
            public void onError(Throwable t) {
                done.complete(Done.newBuilder().setExitCode(1).setError("node " + node + " broke off the command ("
                        + io.grpc.Status.fromThrowable(t).getCode() + "): it may have stopped; see 'roam nodes'").build());
            }

            @Override
            public void onCompleted() {
                done.complete(Done.newBuilder().setExitCode(1)
                        .setError("node " + node + " ended the command without an exit status: see its agent log").build());
            }
        });
    }

    static PeerExec start(String node, ManagedChannel channel, Caller caller, ExecCmd cmd, Replies replies) {
        var peer = new PeerExec(node, channel, replies);
        peer.send(ExecInput.newBuilder().setStart(ExecStart.newBuilder().setCaller(caller).addAllArgv(cmd.getArgvList())
                .setCwd(cmd.getCwd()).putAllEnv(cmd.getEnvMap())).build());
        return peer;
    }

    private synchronized void send(ExecInput in) {
        if (closed || done.isDone()) return;
        requests.onNext(in);
    }

    @Override
    public void input(LocalInput input) { send(ExecInput.newBuilder().setInput(input).build()); }

    @Override
    public synchronized void abandon() {
        if (closed || done.isDone()) return;
        closed = true;
        requests.onError(io.grpc.Status.CANCELLED.withDescription("the client went away").asRuntimeException());
        done.complete(Done.newBuilder().setExitCode(1).setError("the client went away").build());
    }

    @Override
    public Optional<Done> awaitDone(Duration timeout) throws InterruptedException {
        try {
            Done d = done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            synchronized (this) {
                if (!closed) {
                    closed = true;
                    requests.onCompleted();
                }
            }
            return Optional.of(d);
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException("exec on " + node + " failed", e.getCause());
        }
    }
}
