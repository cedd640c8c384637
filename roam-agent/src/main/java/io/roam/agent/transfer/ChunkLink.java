package io.roam.agent.transfer;

import io.roam.proto.ImageChunk;
import io.roam.proto.ReceiveReply;
import java.util.concurrent.CompletableFuture;

/**
 * One attempt's stream of image chunks to the target's {@link ImageReceiver}: gRPC's Transfer.Receive
 * ({@link GrpcLink}) or the bulk socket ({@link BulkLink}). Both bound a stall: a link that accepts nothing for
 * {@link ImageSender#STALL_TIMEOUT} fails with a {@link java.util.concurrent.TimeoutException} in {@link #reply()}.
 */
interface ChunkLink extends AutoCloseable {
    /** Sends one chunk (blocking while the link is full, at most the stall timeout); false when the link has ended. */
    boolean offer(ImageChunk chunk) throws InterruptedException;

    /**
     * Whether {@link #offer} is done with the chunk's bytes when it returns (they were copied or written), so that
     * its buffer may be filled again. gRPC serializes a message later, on its own threads: not there.
     */
    default boolean doneWithChunkOnReturn() { return false; }

    /** The target's answer; fails when the link broke. */
    CompletableFuture<ReceiveReply> reply();

    /** No more chunks (after the end chunk): the target verifies and answers. */
    void halfClose();

    /** Abandons the stream (the target keeps what it got, for a resume). */
    void cancel(String why, Throwable cause);

    /** Which path this is, for logs and progress lines: "gRPC" or "the bulk socket". */
    String path();

    @Override
    void close();
}
