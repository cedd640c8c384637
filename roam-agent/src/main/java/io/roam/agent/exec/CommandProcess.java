package io.roam.agent.exec;

import com.google.protobuf.ByteString;
import io.roam.proto.Caller;
import io.roam.proto.Done;
import io.roam.proto.LocalInput;
import io.roam.proto.LocalReply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exec'd command running on this node: started through {@code roam-exec --run-as} (new process group, the caller's
 * uid/gid/groups, cwd and environment), with stdin, stdout and stderr as pipes. Output is sent as it comes; the Done
 * follows the command's exit and the end of its output (members of its group left holding the pipes get
 * {@link #LINGER} to finish, then SIGKILL).
 */
final class CommandProcess implements ExecTarget {
    private static final Logger log = LoggerFactory.getLogger(CommandProcess.class);
    static final Duration LINGER = Duration.ofSeconds(10);
    private static final int SIGKILL = 9;
    private static final int CHUNK = 64 * 1024;

    private final Process process;
    private final OutputStream stdin;
    private final Thread outPump;
    private final Thread errPump;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile boolean stdinBroken;

    private CommandProcess(Process process, Replies replies) {
        this.process = process;
        this.stdin = process.getOutputStream();
        this.outPump = pump(process.getInputStream(), replies, true);
        this.errPump = pump(process.getErrorStream(), replies, false);
    }

    /** The launcher's command line for {@code argv} as {@code caller} in {@code cwd}. */
    static List<String> command(Path launcher, boolean pidNamespace, Caller caller, List<String> argv, String cwd) {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--run-as", "--uid", Integer.toString(caller.getUid()),
                "--gid", Integer.toString(caller.getGid()), "--cwd", cwd));
        if (caller.getGroupsCount() > 0) {
            cmd.add("--groups");
            cmd.add(caller.getGroupsList().stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
        if (pidNamespace) cmd.add("--pidns");
        cmd.add("--");
        cmd.addAll(argv);
        return cmd;
    }

    /** Starts the command; throws (unchecked) only when the launcher itself cannot run. */
    static CommandProcess start(List<String> command, Map<String, String> env, Replies replies) {
        var pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.environment().putAll(env);
        try {
            return new CommandProcess(pb.start(), replies);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot run " + command.getFirst() + ": " + e.getMessage(), e);
        }
    }

    private Thread pump(InputStream in, Replies replies, boolean out) {
        return Thread.ofVirtual().name(out ? "exec-out" : "exec-err").start(() -> {
            byte[] buf = new byte[CHUNK];
            boolean clientGone = false;
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (clientGone) continue;   // drain, so the command never blocks on a full pipe
                    var bytes = ByteString.copyFrom(buf, 0, n);
                    try {
                        replies.send(out ? LocalReply.newBuilder().setOut(bytes).build() : LocalReply.newBuilder().setErr(bytes).build());
                    } catch (IOException | RuntimeException e) {
                        clientGone = true;
                        abandon();
                    }
                }
            } catch (IOException e) {
                log.debug("exec output pipe: {}", e.toString());
            }
        });
    }

    long pid() { return process.pid(); }

    @Override
    public void input(LocalInput input) {
        switch (input.getInputCase()) {
            case STDIN -> {
                if (stdinBroken) return;
                try {
                    input.getStdin().writeTo(stdin);
                    stdin.flush();
                } catch (IOException e) {
                    stdinBroken = true;   // the command closed its stdin or ended: later input has nowhere to go
                }
            }
            case STDIN_EOF -> {
                stdinBroken = true;
                try {
                    stdin.close();
                } catch (IOException e) {
                    log.debug("closing exec stdin: {}", e.toString());
                }
            }
            case SIGNAL -> signal(input.getSignal());
            case INPUT_NOT_SET -> { }
        }
    }

    private void signal(int sig) {
        if (ended.get()) return;
        try {
            GroupSignals.send(process.pid(), sig);
        } catch (IllegalArgumentException e) {
            log.debug("signal {} not forwarded: {}", sig, e.getMessage());
        }
    }

    @Override
    public void abandon() { signal(SIGKILL); }

    @Override
    public Optional<Done> awaitDone(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) return Optional.empty();
        int code = process.exitValue();   // the JDK reports death by signal N as 128+N
        if (!joinPumps(LINGER)) {
            log.info("exec'd command {} exited but its group still holds its output after {} s: killing it", process.pid(), LINGER.toSeconds());
            GroupSignals.send(process.pid(), SIGKILL);
            joinPumps(LINGER);
        }
        ended.set(true);
        try {
            stdin.close();
        } catch (IOException e) {
            log.debug("closing exec stdin: {}", e.toString());
        }
        return Optional.of(Done.newBuilder().setExitCode(code).build());
    }

    private boolean joinPumps(Duration timeout) throws InterruptedException {
        return outPump.join(timeout) && errPump.join(timeout);
    }
}
