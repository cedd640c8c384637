package io.roam.agent.transfer;

import java.util.Locale;
import java.util.Map;

/**
 * How a source agent sends an image ({@code ROAM_TRANSFER_PATH} in its environment): {@code bulk}, the bulk socket
 * beside the target's gRPC port ({@link BulkServer}); {@code grpc}, Transfer.Receive; {@code auto} (the default), the
 * bulk socket when the target's answers within {@link TransferTarget#BULK_CONNECT}, else gRPC.
 */
enum TransferPath {
    AUTO, GRPC, BULK;

    static final String ENV = "ROAM_TRANSFER_PATH";

    static TransferPath fromEnvironment(Map<String, String> env) {
        String v = env.getOrDefault(ENV, "").strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "", "auto" -> AUTO;
            case "grpc" -> GRPC;
            case "bulk" -> BULK;
            default -> throw new IllegalArgumentException(ENV + " must be auto, grpc or bulk, not " + v);
        };
    }
}
