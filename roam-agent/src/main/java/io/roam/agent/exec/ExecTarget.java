package io.roam.agent.exec;

import io.roam.proto.Done;
import io.roam.proto.LocalInput;
import java.time.Duration;
import java.util.Optional;

/** A running exec'd command, here or on another node: takes the client's input, ends with a Done. */
interface ExecTarget {
    /** stdin bytes, stdin's end, or a signal for the command. */
    void input(LocalInput input);

    /** The client went away without waiting for the end: kill the command. No-op once it ended. */
    void abandon();

    /** The command's end: Done.exit_code is its exit code (128+N for signal N); empty if still running at the timeout. */
    Optional<Done> awaitDone(Duration timeout) throws InterruptedException;
}
