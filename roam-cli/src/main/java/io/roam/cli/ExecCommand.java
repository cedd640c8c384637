package io.roam.cli;

import com.google.protobuf.ByteString;
import io.roam.cli.args.IdConverters;
import io.roam.core.NodeId;
import io.roam.proto.Done;
import io.roam.proto.ExecCmd;
import io.roam.proto.LocalInput;
import io.roam.proto.LocalReply;
import io.roam.proto.LocalRequest;
import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code roam exec [--node NODE] -- CMD ARGS…}: the Java fallback of the native client roam-exec (bin/roam runs that
 * one when it is there), speaking the same protocol: ExecCmd, then LocalInput (stdin, stdin_eof, signals) while the
 * agent streams out/err and ends with Done, whose exit code becomes ours.
 */
@Command(name = "exec", mixinStandardHelpOptions = true, showEndOfOptionsDelimiterInUsageHelp = true,
        description = {"Run CMD on the least-loaded node (or NODE), in this directory, with this environment, as you.",
            "stdin, stdout and stderr are streamed, SIGINT/SIGTERM/SIGHUP forwarded, and CMD's exit code returned "
                + "(128+N when it died of signal N). For make: make -j8 SHELL='roam exec -- /bin/sh'."})
final class ExecCommand implements Callable<Integer> {
    private static final List<String> FORWARDED = List.of("INT", "TERM", "HUP");
    private final CliContext ctx;

    @Option(names = "--node", paramLabel = "NODE", converter = IdConverters.Node.class,
            description = "Run on this node (default: the least-loaded one, preferring this one).")
    NodeId node;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command to run and its arguments.")
    List<String> command;

    ExecCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() throws IOException {
        Path socket = ctx.home().agentSocket();
        if (!Files.exists(socket)) return error("roam is not running here (no agent at " + socket + "): run 'roam up'");
        var exec = ExecCmd.newBuilder().addAllArgv(command).setCwd(ctx.cwd().toString()).putAllEnv(ctx.env())
                .removeEnv(CliContext.DIST_ENV);
        if (node != null) exec.setNode(node.value());
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                return error("roam is not running here (no agent at " + socket + "): run 'roam up'");
            }
            OutputStream toAgent = Channels.newOutputStream(ch);
            synchronized (toAgent) {
                LocalRequest.newBuilder().setExec(exec).build().writeDelimitedTo(toAgent);
                toAgent.flush();
            }
            forwardSignals(toAgent);
            Thread.ofPlatform().daemon().name("exec-stdin").start(() -> copyStdin(toAgent));
            return relayReplies(new BufferedInputStream(Channels.newInputStream(ch), 64 * 1024));
        }
    }

    private int relayReplies(InputStream in) throws IOException {
        OutputStream out = ctx.out();
        OutputStream err = ctx.err();
        while (true) {
            LocalReply r = LocalReply.parseDelimitedFrom(in);
            if (r == null) return error("the agent broke off the call: it may have stopped; run 'roam up' to restart it");
            switch (r.getMsgCase()) {
                case OUT -> { r.getOut().writeTo(out); out.flush(); }
                case ERR -> { r.getErr().writeTo(err); err.flush(); }
                case PROGRESS -> ctx.err().println(r.getProgress());
                case DONE -> {
                    Done d = r.getDone();
                    if (!d.getError().isBlank()) {
                        ctx.err().println("roam: error: " + d.getError().strip());
                        return d.getExitCode() != 0 ? d.getExitCode() : 1;
                    }
                    return d.getExitCode();
                }
                case MSG_NOT_SET -> { }
            }
        }
    }

    private static void send(OutputStream toAgent, LocalInput input) {
        try {
            synchronized (toAgent) {
                input.writeDelimitedTo(toAgent);
                toAgent.flush();
            }
        } catch (IOException e) {
            // the agent went away: relayReplies reports it
        }
    }

    private static void copyStdin(OutputStream toAgent) {
        byte[] buf = new byte[64 * 1024];
        try (InputStream stdin = new FileInputStream(FileDescriptor.in)) {
            int n;
            while ((n = stdin.read(buf)) > 0) send(toAgent, LocalInput.newBuilder().setStdin(ByteString.copyFrom(buf, 0, n)).build());
        } catch (IOException e) {
            // a closed or invalid stdin is an empty one
        }
        send(toAgent, LocalInput.newBuilder().setStdinEof(true).build());
    }

    @SuppressWarnings("restriction")
    private static void forwardSignals(OutputStream toAgent) {
        for (String name : FORWARDED) {
            var sig = new sun.misc.Signal(name);
            sun.misc.Signal.handle(sig, s -> send(toAgent, LocalInput.newBuilder().setSignal(s.getNumber()).build()));
        }
    }

    private int error(String message) {
        ctx.err().println("roam: error: " + message);
        return 1;
    }
}
