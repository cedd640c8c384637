package io.roam.cli.client;

import io.roam.proto.Done;
import java.nio.file.Path;
import java.time.Duration;

/** How one call to the local agent ended. Only {@link Answered} carries the agent's result. */
public sealed interface CallOutcome {

    /** The agent answered: Done was received (it may still report a failed command). */
    record Answered(Done done) implements CallOutcome {}

    /** Nobody listens on the socket: the file is missing or the connection is refused. */
    record NotRunning(Path socket) implements CallOutcome {}

    /** The socket exists but could not be connected to, for another reason (for example permissions). */
    record Unreachable(Path socket, String reason) implements CallOutcome {}

    /** The connection broke before Done arrived. */
    record Disconnected(String reason) implements CallOutcome {}

    /** Nothing arrived from the agent for {@code idle}. */
    record TimedOut(Duration idle) implements CallOutcome {}
}
