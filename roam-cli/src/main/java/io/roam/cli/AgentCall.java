package io.roam.cli;

import com.google.protobuf.ByteString;
import io.roam.cli.client.AgentClient;
import io.roam.cli.client.CallOutcome;
import io.roam.cli.client.CallOutcome.Answered;
import io.roam.cli.client.CallOutcome.Disconnected;
import io.roam.cli.client.CallOutcome.NotRunning;
import io.roam.cli.client.CallOutcome.TimedOut;
import io.roam.cli.client.CallOutcome.Unreachable;
import io.roam.cli.client.ReplySink;
import io.roam.cli.render.Human;
import io.roam.proto.Done;
import io.roam.proto.LocalRequest;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * What every agent-backed command does: send one request, copy streamed output to stdout/stderr, then either
 * render Done or print one error line. Returns the command's exit code.
 */
final class AgentCall {
    /** For calls that answer from the agent's tables. */
    static final Optional<Duration> QUICK = Optional.of(Duration.ofMinutes(2));
    /** For calls that run CRIU over possibly gigabytes of memory (checkpoint, restore, sleep, wake). */
    static final Optional<Duration> SLOW = Optional.of(Duration.ofMinutes(30));
    /** For calls that may rightly stay silent until the user stops them (logs -f, wait without --timeout). */
    static final Optional<Duration> UNBOUNDED = Optional.empty();

    /** The exit code of a program killed by SIGPIPE: stdout's reader went away (roam logs -f | head). */
    private static final int STDOUT_CLOSED = 141;

    private final CliContext ctx;
    private final Verbosity verbosity;

    AgentCall(CliContext ctx, Verbosity verbosity) {
        this.ctx = ctx;
        this.verbosity = verbosity;
    }

    int send(LocalRequest request, Optional<Duration> idleTimeout, ToIntFunction<Done> render) {
        return send(request, idleTimeout, e -> { }, render);
    }

    /** Like {@link #send(LocalRequest, Optional, ToIntFunction)}, handing each streamed event to {@code events}. */
    int send(LocalRequest request, Optional<Duration> idleTimeout, java.util.function.Consumer<io.roam.proto.RoamEvent> events,
             ToIntFunction<Done> render) {
        var client = new AgentClient(ctx.home().agentSocket());
        String what = request.getCmdCase().name().toLowerCase(Locale.ROOT);
        if (verbosity.level() > 0) ctx.err().println("roam: " + what + " via the agent at " + client.socket());
        long start = System.nanoTime();
        CallOutcome outcome;
        try {
            outcome = client.call(request, new StreamSink(ctx.out(), ctx.err(), events), idleTimeout);
        } catch (StdoutClosed e) {
            return STDOUT_CLOSED;
        }
        if (verbosity.level() > 0) {
            ctx.err().println("roam: " + what + " took " + (System.nanoTime() - start) / 1_000_000 + " ms");
        }
        return switch (outcome) {
            case Answered(Done done) when !done.getError().isBlank() -> {
                error(done.getError().strip());
                yield done.getExitCode() != 0 ? done.getExitCode() : 1;
            }
            case Answered(Done done) -> render.applyAsInt(done);
            case NotRunning(var socket) -> error("roam is not running here (no agent at " + socket + "): run 'roam up'");
            case Unreachable(var socket, var reason) -> error("cannot connect to the agent at " + socket + ": " + reason
                    + ": check that 'roam up' ran here and that you may use the socket");
            case Disconnected(var reason) -> error("the agent broke off the call (" + reason + "): it may have stopped; see "
                    + ctx.home().logDir().resolve("agent-*.log") + ", and run 'roam up' to restart it");
            case TimedOut(var idle) -> error("the agent sent nothing for " + Human.age(idle) + ": it may be stuck; see "
                    + ctx.home().logDir().resolve("agent-*.log"));
        };
    }

    /** Prints Done's free-form lines to stdout; returns Done's exit code. */
    int lines(Done done) {
        done.getLinesList().forEach(ctx.out()::println);
        return done.getExitCode();
    }

    private int error(String message) {
        ctx.err().println("roam: error: " + message);
        return 1;
    }

    /** Thrown from the sink when nobody reads stdout any more: the call is abandoned. */
    private static final class StdoutClosed extends RuntimeException {
        StdoutClosed() { super("stdout is closed", null, false, false); }
    }

    private record StreamSink(PrintStream out, PrintStream err, java.util.function.Consumer<io.roam.proto.RoamEvent> events) implements ReplySink {
        @Override
        public void event(io.roam.proto.RoamEvent event) {
            events.accept(event);
            out.flush();
            if (out.checkError()) throw new StdoutClosed();
        }

        @Override
        public void out(ByteString bytes) {
            write(out, bytes);
            if (out.checkError()) throw new StdoutClosed();
        }

        @Override
        public void err(ByteString bytes) { write(err, bytes); }

        @Override
        public void progress(String line) { err.println(line); }

        private static void write(PrintStream stream, ByteString bytes) {
            try {
                bytes.writeTo(stream);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // PrintStream never throws; here for the signature
            }
            stream.flush();
        }
    }
}
