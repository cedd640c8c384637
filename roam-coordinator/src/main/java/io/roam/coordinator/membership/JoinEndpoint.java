package io.roam.coordinator.membership;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.roam.rpc.CallerIds;
import io.roam.rpc.ClusterCa;
import io.roam.rpc.HostPort;
import io.roam.rpc.Identity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's join endpoint: Membership.Join over TLS that authenticates the server only (a joining agent has
 * no certificate yet; it pins the CA from its token). Writes the command that joins a machine to
 * {@code coordinator.join} in the roam home, and logs it.
 */
public final class JoinEndpoint implements AutoCloseable {
    public static final String JOIN_FILE = "coordinator.join";
    private static final Logger LOG = LoggerFactory.getLogger(JoinEndpoint.class);
    private static final char[] NO_PASSWORD = new char[0];

    private final Server server;
    private final Path joinFile;
    private final String command;

    private JoinEndpoint(Server server, Path joinFile, String command) {
        this.server = server;
        this.joinFile = joinFile;
        this.command = command;
    }

    /**
     * Listens on {@code host}, port 0.
     *
     * @param coordinator HOST:PORT of the coordinator's mutual-TLS endpoint, told to agents that join
     */
    public static JoinEndpoint start(String host, Identity identity, ClusterCa ca, Supplier<String> coordinator, Path homeRoot) {
        JoinToken token = JoinToken.loadOrCreate(ca.dir(), ca.caCert());
        var credentials = TlsServerCredentials.newBuilder().keyManager(keyManagerFactory(identity).getKeyManagers()).build();
        Server server;
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress(host, 0), credentials)
                    .executor(Executors.newVirtualThreadPerTaskExecutor())
                    .addService(ServerInterceptors.intercept(new JoinService(ca, token, coordinator), CallerIds.interceptor()))
                    .build().start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for joins on " + host + ": " + e.getMessage(), e);
        }
        String visible = host.equals("0.0.0.0") || host.equals("::") ? "HOST" : host;
        String command = "roam agent --join " + new HostPort(visible, server.getPort()) + " --token " + token + " --node NODE";
        Path file = homeRoot.resolve(JOIN_FILE);
        try {
            Files.writeString(file, command + "\n", StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            server.shutdownNow();
            throw new UncheckedIOException("cannot write " + file, e);
        }
        LOG.info("to add a machine, run there (as root, with its own state dir): {}", command);
        return new JoinEndpoint(server, file, command);
    }

    /** The command line that joins a machine to this cluster. */
    public String command() { return command; }

    public int port() { return server.getPort(); }

    private static KeyManagerFactory keyManagerFactory(Identity id) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("roam", id.key(), NO_PASSWORD, new X509Certificate[] {id.cert(), id.ca()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, NO_PASSWORD);
            return kmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot load the key of " + id.commonName(), e);
        }
    }

    @Override public void close() {
        try {
            Files.deleteIfExists(joinFile);
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", joinFile, e.toString());
        }
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) server.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
    }
}
