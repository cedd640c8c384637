package io.roam.rpc;

import io.grpc.BindableService;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Mutual TLS between roam's processes: both sides present a certificate issued by the cluster CA and accept only
 * certificates issued by it.
 *
 * <p>Host names are not verified: any certificate signed by the cluster CA is trusted for any address. Certificates
 * still carry IP SANs (127.0.0.1 and the node's address), but a node's address may change (network namespaces of a
 * local cluster, DHCP), and holding a CA-signed key is what proves membership of the cluster.
 */
public final class Tls {
    /** The largest message roam accepts (job lists, manifests). */
    public static final int MAX_MESSAGE_BYTES = 16 << 20;
    /**
     * HTTP/2 flow-control window per stream: image chunks are 1 MiB, and with gRPC's 1 MiB default a stream carries
     * about one chunk per round trip until BDP probing has grown it (a 500 MB image ran at 40 MB/s for its first
     * seconds). 8 MiB keeps several chunks in flight from the start (BDP probing may still grow it).
     */
    public static final int FLOW_CONTROL_WINDOW = 8 << 20;
    private static final char[] NO_PASSWORD = new char[0];

    private Tls() {}

    /** Server side: presents {@code id}, and requires a client certificate issued by the cluster CA. */
    public static ServerCredentials serverCredentials(Identity id) {
        return TlsServerCredentials.newBuilder()
                .keyManager(keyManagers(id))
                .trustManager(new ClusterTrustManager(id.ca()))
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                .build();
    }

    /** Client side: presents {@code id}, and accepts a server certificate issued by the cluster CA. */
    public static ChannelCredentials channelCredentials(Identity id) {
        return TlsChannelCredentials.newBuilder().keyManager(keyManagers(id)).trustManager(new ClusterTrustManager(id.ca())).build();
    }

    /**
     * Starts a gRPC server with mutual TLS on {@code hostPort} (port 0: a free port, see {@link Server#getPort()}).
     * Calls run on virtual threads; {@link CallerIds#peerName()} names the calling peer.
     */
    public static Server startServer(String hostPort, Identity id, BindableService... services) {
        HostPort hp = HostPort.parse(hostPort);
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(hp.host(), hp.port()), serverCredentials(id))
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .initialFlowControlWindow(FLOW_CONTROL_WINDOW)
                .executor(Executors.newVirtualThreadPerTaskExecutor());
        for (BindableService s : services) b.addService(ServerInterceptors.intercept(s, CallerIds.interceptor()));
        try {
            return b.build().start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + hostPort + ": " + e.getMessage(), e);
        }
    }

    /** A channel with mutual TLS to {@code hostPort}. */
    public static ManagedChannel channel(String hostPort, Identity id) {
        HostPort hp = HostPort.parse(hostPort);
        return NettyChannelBuilder.forAddress(hp.host(), hp.port(), channelCredentials(id))
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .initialFlowControlWindow(FLOW_CONTROL_WINDOW)
                .build();
    }

    /**
     * A JSSE context for roam's own sockets beside gRPC (the image transfer's bulk data path): TLS 1.3, presenting
     * {@code id} and trusting exactly the chains that end at the cluster CA, like {@link #serverCredentials} and
     * {@link #channelCredentials}. The caller still has to require the client's certificate on its server sockets.
     */
    public static SSLContext sslContext(Identity id) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(keyManagers(id), new TrustManager[] {new ClusterTrustManager(id.ca())}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for " + id.commonName(), e);
        }
    }

    static KeyManager[] keyManagers(Identity id) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("roam", id.key(), NO_PASSWORD, new X509Certificate[] {id.cert(), id.ca()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, NO_PASSWORD);
            return kmf.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot load the key of " + id.commonName(), e);
        }
    }

    /** Trusts exactly the chains that end at the cluster CA; never checks host names (see the class comment). */
    static final class ClusterTrustManager extends X509ExtendedTrustManager {
        private final X509TrustManager pkix;

        ClusterTrustManager(X509Certificate ca) {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setCertificateEntry("cluster-ca", ca);
                TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
                tmf.init(ks);
                X509TrustManager found = null;
                for (TrustManager tm : tmf.getTrustManagers()) {
                    if (tm instanceof X509TrustManager x) found = x;
                }
                if (found == null) throw new IllegalStateException("no X509 trust manager in this JVM");
                this.pkix = found;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot build a trust manager for the cluster CA", e);
            }
        }

        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            pkix.checkClientTrusted(chain, authType);
        }

        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
        }

        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException {
            pkix.checkClientTrusted(chain, authType);
        }

        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
        }

        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException {
            pkix.checkClientTrusted(chain, authType);
        }

        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
        }

        @Override public X509Certificate[] getAcceptedIssuers() { return pkix.getAcceptedIssuers(); }
    }
}
