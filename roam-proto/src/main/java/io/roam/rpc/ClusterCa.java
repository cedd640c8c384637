package io.roam.rpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's certificate authority, created on first start under {@code $ROAM_HOME/ca}:
 * <pre>
 * ca.key          EC P-256 private key, PKCS#8 PEM (0600)
 * ca.crt          self-signed CA certificate, valid 10 years
 * cluster.id      "c-" + 12 hex digits
 * cluster.secret  32 random bytes (0600): the HMAC key of image manifests
 * </pre>
 * Whoever can read this directory can join the cluster: it is root's.
 */
public final class ClusterCa {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterCa.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String KEY = "ca.key", CERT = "ca.crt", ID = "cluster.id", SECRET = "cluster.secret";

    private final Path dir;
    private final PrivateKey key;
    private final X509Certificate cert;
    private final String clusterId;
    private final byte[] secret;

    private ClusterCa(Path dir, PrivateKey key, X509Certificate cert, String clusterId, byte[] secret) {
        this.dir = dir;
        this.key = key;
        this.cert = cert;
        this.clusterId = clusterId;
        this.secret = secret;
    }

    /**
     * Loads the CA from {@code caDir}, creating it first when absent. Safe against concurrent first starts (several
     * processes): the CA is built in a private temporary directory that is renamed into place atomically; a loser of
     * that race discards its own and loads the winner's.
     */
    public static ClusterCa loadOrCreate(Path caDir) {
        Path dir = caDir.toAbsolutePath().normalize();
        if (Files.exists(dir.resolve(CERT))) return load(dir);
        try {
            Files.createDirectories(dir.getParent());
            Path tmp = Files.createTempDirectory(dir.getParent(), "." + dir.getFileName() + ".new-");
            try {
                String id = "c-" + HexFormat.of().formatHex(randomBytes(6));
                KeyPair kp = Certificates.newKeyPair();
                X509Certificate ca = Certificates.selfSignedCa(kp, "roam cluster CA " + id);
                Pem.writePrivate(tmp.resolve(KEY), Pem.encode(kp.getPrivate()).getBytes(StandardCharsets.US_ASCII));
                Files.writeString(tmp.resolve(CERT), Pem.encode(ca), StandardCharsets.US_ASCII);
                Files.writeString(tmp.resolve(ID), id + "\n", StandardCharsets.US_ASCII);
                Pem.writePrivate(tmp.resolve(SECRET), randomBytes(32));
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                LOG.info("created cluster CA {} in {}", id, dir);
            } catch (IOException e) {
                // Lost the race (dir now exists and is not empty) or a real failure: the check below tells them apart.
                deleteTree(tmp);
                if (!Files.exists(dir.resolve(CERT))) {
                    throw new UncheckedIOException("cannot create the cluster CA in " + dir
                            + (Files.isDirectory(dir) ? ": the directory exists without " + CERT + "; move it away" : ""), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cluster CA in " + dir, e);
        }
        return load(dir);
    }

    private static ClusterCa load(Path dir) {
        Path keyFile = dir.resolve(KEY), certFile = dir.resolve(CERT);
        PrivateKey key = Pem.privateKey(Pem.read(keyFile), keyFile);
        X509Certificate cert = Pem.certificates(Pem.read(certFile), certFile).getFirst();
        try {
            String id = Files.readString(dir.resolve(ID), StandardCharsets.US_ASCII).strip();
            byte[] secret = Files.readAllBytes(dir.resolve(SECRET));
            if (secret.length != 32) throw new IllegalStateException(dir.resolve(SECRET) + " must hold 32 bytes, not " + secret.length);
            return new ClusterCa(dir, key, cert, id, secret);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cluster identity in " + dir, e);
        }
    }

    public Path dir() { return dir; }

    public String clusterId() { return clusterId; }

    /** The cluster secret (a copy): the HMAC-SHA256 key of image manifests. */
    public byte[] secret() { return secret.clone(); }

    public X509Certificate caCert() { return cert; }

    /**
     * A fresh key and a certificate for it signed by this CA, valid one year. {@code ipOrDnsSans} become the
     * certificate's subject alternative names (IP literals as IP SANs, the rest as DNS SANs).
     */
    public Identity issue(String commonName, List<String> ipOrDnsSans) {
        KeyPair kp = Certificates.newKeyPair();
        X509Certificate leaf = Certificates.leaf(kp, commonName, List.copyOf(ipOrDnsSans), key, cert);
        return new Identity(kp.getPrivate(), leaf, cert);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", p, e.toString());
        }
    }
}
