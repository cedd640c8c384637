package io.roam.coordinator.zookeeper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standalone ZooKeeper server inside the coordinator's JVM, for a cluster without an external ensemble. Its data
 * lives in {@code dir/data} and survives restarts; it listens on a free port of 127.0.0.1; no admin server.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
    private static final long START_TIMEOUT_MS = 15_000;   // it starts in well under a second; fail before `roam up` gives up
    private final ZooKeeperServerEmbedded server;
    private final String connectString;

    private EmbeddedZooKeeper(ZooKeeperServerEmbedded server, String connectString) {
        this.server = server;
        this.connectString = connectString;
    }

    public static EmbeddedZooKeeper start(Path dir) {
        try {
            Files.createDirectories(dir);
            removeOldConfigurations(dir);
            int port = freePort();
            Properties p = new Properties();
            p.setProperty("tickTime", "2000");
            p.setProperty("clientPort", Integer.toString(port));
            p.setProperty("clientPortAddress", "127.0.0.1");
            p.setProperty("admin.enableServer", "false");
            p.setProperty("autopurge.snapRetainCount", "3");
            p.setProperty("autopurge.purgeInterval", "1");
            p.setProperty("4lw.commands.whitelist", "");
            p.setProperty("maxCnxns", "1000");
            ZooKeeperServerEmbedded zk = ZooKeeperServerEmbedded.builder()
                    .baseDir(dir).configuration(p).exitHandler(ExitHandler.LOG_ONLY).build();
            zk.start(START_TIMEOUT_MS);
            String cs = "127.0.0.1:" + port;
            LOG.info("embedded ZooKeeper at {}, data in {}", cs, dir.resolve("data"));
            return new EmbeddedZooKeeper(zk, cs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded ZooKeeper in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the embedded ZooKeeper", e);
        } catch (Exception e) { // ZooKeeperServerEmbedded declares throws Exception
            throw new IllegalStateException("cannot start the embedded ZooKeeper in " + dir + ": " + e.getMessage(), e);
        }
    }

    public String connectString() { return connectString; }

    @Override public void close() {
        server.close();
        LOG.info("embedded ZooKeeper stopped");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    /** ZooKeeperServerEmbedded writes a new configuration file at every start; keep only the current one. */
    private static void removeOldConfigurations(Path dir) throws IOException {
        try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "zookeeper.configuration*.properties")) {
            for (Path p : old) Files.deleteIfExists(p);
        }
    }
}
