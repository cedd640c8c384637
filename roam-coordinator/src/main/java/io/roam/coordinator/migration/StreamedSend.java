package io.roam.coordinator.migration;

import io.grpc.Context;
import io.roam.core.NodeId;
import io.roam.proto.SendImageRequest;
import io.roam.proto.TransferProgress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A transfer that runs next to the dump: Transfer.Send with {@code follow} (the source sends what CRIU has written so
 * far and follows its files until the manifest seals the image), on its own virtual thread, in a cancellable gRPC
 * context so that a failed dump stops it. Environment {@code ROAM_TRANSFER_STREAM=off} on the coordinator turns
 * streaming off (the image is then sent after the dump, as before: for measuring one against the other).
 */
final class StreamedSend {
    static final String ENV = "ROAM_TRANSFER_STREAM";
    private static final Duration CANCEL_WAIT = Duration.ofSeconds(30);

    private final Context.CancellableContext context = Context.current().withCancellation();
    private final CompletableFuture<TransferProgress> result = new CompletableFuture<>();

    static boolean enabled() { return !"off".equals(System.getenv(ENV)); }

    static StreamedSend start(TransferClients transfers, NodeId source, SendImageRequest req, long bytesHint, Consumer<TransferProgress> progress) {
        StreamedSend s = new StreamedSend();
        SendImageRequest follow = req.toBuilder().setFollow(true).build();
        Thread.ofVirtual().name("send-" + req.getJob()).start(() -> s.context.run(() -> {
            try {
                s.result.complete(transfers.send(source, follow, bytesHint, progress));
            } catch (RuntimeException e) {
                s.result.complete(TransferProgress.newBuilder().setDone(true).setOk(false).setError(String.valueOf(e.getMessage())).build());
            }
        }));
        return s;
    }

    /** The dump failed: stop the transfer and wait (bounded) until it has ended. */
    void cancel() {
        context.cancel(null);
        try {
            result.get(CANCEL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            // ended or not, nothing more to do: the target's partial copy is deleted with the migration's images
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The transfer's last message. */
    TransferProgress await() {
        try {
            return result.join();
        } finally {
            context.close();
        }
    }
}
