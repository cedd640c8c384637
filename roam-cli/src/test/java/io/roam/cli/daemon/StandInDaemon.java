package io.roam.cli.daemon;

import io.roam.proto.Done;
import io.roam.proto.JobInfo;
import io.roam.proto.JobState;
import io.roam.proto.LocalReply;
import io.roam.proto.LocalRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Stands in for {@code roam coordinator} and {@code roam agent} in UpDownIT (their real bodies are other modules'):
 * it publishes coordinator.addr or agent.sock the way they do, serves them, and removes them on SIGTERM.
 * A file {@code fail-VERB} in the state dir makes it fail at start with that file's text.
 */
public final class StandInDaemon {
    public static void main(String[] args) throws Exception {
        String verb = args[0];
        Path stateDir = Path.of(List.of(args).get(List.of(args).indexOf("--state-dir") + 1));
        Path fail = stateDir.resolve("fail-" + verb);
        if (Files.exists(fail)) {
            System.err.println("stand-in " + verb + ": failing on purpose: " + Files.readString(fail).strip());
            System.exit(3);
        }
        switch (verb) {
            case "coordinator" -> coordinator(stateDir);
            case "agent" -> agent(stateDir);
            default -> throw new IllegalArgumentException("no stand-in for " + verb);
        }
        System.out.println("stand-in " + verb + " is up");
        new CountDownLatch(1).await(); // until SIGTERM runs the shutdown hooks
    }

    private static void coordinator(Path stateDir) throws IOException {
        var server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Path addr = stateDir.resolve("coordinator.addr");
        Path tmp = stateDir.resolve("coordinator.addr.tmp");
        Files.writeString(tmp, "127.0.0.1:" + server.getLocalPort() + "\n");
        Files.move(tmp, addr, StandardCopyOption.ATOMIC_MOVE);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(addr)));
        Thread.ofVirtual().start(() -> {
            while (true) {
                try {
                    server.accept().close();
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private static void agent(Path stateDir) throws IOException {
        Path sock = stateDir.resolve("agent.sock");
        Files.deleteIfExists(sock); // left by an agent that was killed
        var server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(sock)));
        Thread.ofVirtual().start(() -> {
            while (true) {
                try {
                    SocketChannel ch = server.accept();
                    Thread.ofVirtual().start(() -> answer(ch));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private static void answer(SocketChannel ch) {
        try (ch) {
            LocalRequest req = LocalRequest.parseDelimitedFrom(Channels.newInputStream(ch));
            if (req == null) return;
            Done done = switch (req.getCmdCase()) {
                case PING -> Done.getDefaultInstance();
                case PS -> Done.newBuilder()
                        .addJobs(JobInfo.newBuilder().setId("sleeper").setNode("n1").setState(JobState.RUNNING))
                        .addJobs(JobInfo.newBuilder().setId("done").setNode("n1").setState(JobState.EXITED)).build();
                default -> Done.newBuilder().setExitCode(1).setError("the stand-in agent only answers ping and ps").build();
            };
            LocalReply.newBuilder().setDone(done).build().writeDelimitedTo(Channels.newOutputStream(ch));
        } catch (IOException e) {
            // the caller went away
        }
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            System.err.println("stand-in: cannot delete " + p + ": " + e.getMessage());
        }
    }
}
