package io.roam.criu;

import io.roam.criu.testing.Poll;
import io.roam.criu.testing.Processes;
import io.roam.criu.testing.TestJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A server with a listening TCP socket survives dump and restore, with its state. */
class TcpListenIT {
    private static final Duration T = Duration.ofSeconds(20);
    @TempDir Path dir;

    @Test
    void aListeningServerAcceptsConnectionsAfterRestore() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path server = dir.resolve("server.py");
        Files.writeString(server, """
                import socket, sys
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", int(sys.argv[1])))
                s.listen()
                print("listening", flush=True)
                n = 0
                while True:
                    c, _ = s.accept()
                    n += 1
                    c.sendall(b"hello %d\\n" % n)
                    c.close()
                """);
        CriuCheckpointEngine engine = new CriuCheckpointEngine(CriuCheckpointEngine.locateCriu());
        Path images = dir.resolve("img");
        try (TestJob job = TestJob.start(dir, "exec " + Processes.python() + " " + server + " " + port)) {
            Poll.until(T, "the server to listen", () -> job.output().contains("listening"));
            assertThat(ask(port)).isEqualTo("hello 1");
            assertThat(engine.dump(new DumpSpec(job.pid(), images, false, T))).isInstanceOf(Dumped.class);
            job.awaitGone();
        }
        assertThatThrownBy(() -> ask(port)).isInstanceOf(ConnectException.class);
        Restored r = (Restored) engine.restore(new RestoreSpec(images, T));
        try {
            assertThat(ask(port)).isEqualTo("hello 2"); // same socket, same counter
            assertThat(ask(port)).isEqualTo("hello 3");
        } finally {
            Processes.kill(r.hostPid(), r.hostPidStart());
        }
    }

    private static String ask(int port) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            return new BufferedReader(new InputStreamReader(s.getInputStream())).readLine();
        }
    }
}
