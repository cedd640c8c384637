package io.roam.agent.transfer;

import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.roam.proto.ImageChunk;
import io.roam.proto.ReceiveReply;
import io.roam.proto.TransferGrpc;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * Chunks over gRPC's Transfer.Receive: a chunk is written only when gRPC's flow control says the stream is ready,
 * and the stream counts as ready while less than {@link ImageSender#ON_READY_THRESHOLD} is queued in gRPC (not
 * gRPC's 32 KiB: then the sender waited for every chunk to reach the socket before it handed over the next, a thread
 * handoff per chunk that a busy machine makes slow).
 */
final class GrpcLink implements ChunkLink {
    private final CompletableFuture<ReceiveReply> reply = new CompletableFuture<>();
    private final Object ready = new Object();
    private ClientCallStreamObserver<ImageChunk> req;

    GrpcLink(ManagedChannel channel) {
        TransferGrpc.newStub(channel).withOnReadyThreshold(ImageSender.ON_READY_THRESHOLD).receive(new ClientResponseObserver<ImageChunk, ReceiveReply>() {
            @Override public void beforeStart(ClientCallStreamObserver<ImageChunk> r) {
                req = r;
                r.setOnReadyHandler(() -> { synchronized (ready) { ready.notifyAll(); } });
            }
            @Override public void onNext(ReceiveReply v) { reply.complete(v); }
            @Override public void onError(Throwable t) {
                reply.completeExceptionally(t);
                synchronized (ready) { ready.notifyAll(); }
            }
            @Override public void onCompleted() {
                reply.completeExceptionally(new IllegalStateException("the target closed the stream without an answer"));
                synchronized (ready) { ready.notifyAll(); }
            }
        });
    }

    /** Waits (bounded) until the stream accepts a message, then sends it; false when the call has failed. */
    @Override
    public boolean offer(ImageChunk c) throws InterruptedException {
        long deadline = System.nanoTime() + ImageSender.STALL_TIMEOUT.toNanos();
        synchronized (ready) {
            while (!req.isReady() && !reply.isDone()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    req.cancel("stalled", null);
                    reply.completeExceptionally(new TimeoutException("the target accepted nothing for "
                            + ImageSender.STALL_TIMEOUT.toSeconds() + " s (network cut?)"));
                    return false;
                }
                ready.wait(Math.max(1, left / 1_000_000));
            }
        }
        if (reply.isDone()) return false;
        req.onNext(c);
        return true;
    }

    @Override public CompletableFuture<ReceiveReply> reply() { return reply; }

    @Override public void halfClose() { req.onCompleted(); }

    @Override public void cancel(String why, Throwable cause) { req.cancel(why, cause); }

    @Override public String path() { return "gRPC"; }

    @Override public void close() {}
}
