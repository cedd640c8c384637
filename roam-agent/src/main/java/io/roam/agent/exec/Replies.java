package io.roam.agent.exec;

import io.roam.proto.LocalReply;
import java.io.IOException;

/** Where an exec'd command's output and its final Done go (the CLI's socket, or a peer's gRPC stream). Thread-safe. */
@FunctionalInterface
interface Replies {
    void send(LocalReply reply) throws IOException;
}
