package io.roam.agent.membership;

import io.roam.proto.JoinReply;
import io.roam.rpc.Identity;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Optional;

/**
 * What an agent got by joining a cluster with a token, kept in its node directory under {@code joined/}: key.der
 * (0600), cert.der, ca.der, cluster.id, cluster.secret (0600) and coordinator.addr.
 */
public record JoinedCredentials(Identity identity, String clusterId, byte[] secret, String coordinator) {
    public static final String DIR = "joined";

    static JoinedCredentials from(JoinReply r) {
        return new JoinedCredentials(new Identity(key(r.getKeyPkcs8().toByteArray()), cert(r.getCertDer().toByteArray()),
                cert(r.getCaDer().toByteArray())), r.getClusterId(), r.getClusterSecret().toByteArray(), r.getCoordinator());
    }

    /** Those saved in {@code dir}, if the agent joined before. */
    public static Optional<JoinedCredentials> load(Path dir) {
        if (!Files.exists(dir.resolve("coordinator.addr"))) return Optional.empty();
        try {
            return Optional.of(new JoinedCredentials(new Identity(key(Files.readAllBytes(dir.resolve("key.der"))),
                    cert(Files.readAllBytes(dir.resolve("cert.der"))), cert(Files.readAllBytes(dir.resolve("ca.der")))),
                    Files.readString(dir.resolve("cluster.id")).strip(), Files.readAllBytes(dir.resolve("cluster.secret")),
                    Files.readString(dir.resolve("coordinator.addr")).strip()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the credentials in " + dir + ": delete the directory and join again", e);
        }
    }

    /** Saves them in {@code dir}; coordinator.addr, written last, marks them complete. */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            write(dir.resolve("key.der"), identity.key().getEncoded());
            write(dir.resolve("cert.der"), identity.cert().getEncoded());
            write(dir.resolve("ca.der"), identity.ca().getEncoded());
            write(dir.resolve("cluster.id"), (clusterId + "\n").getBytes(StandardCharsets.US_ASCII));
            write(dir.resolve("cluster.secret"), secret);
            write(dir.resolve("coordinator.addr"), (coordinator + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot save the cluster credentials in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path file, byte[] content) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static PrivateKey key(byte[] pkcs8) {
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the joined key is not an EC PKCS#8 key: " + e.getMessage(), e);
        }
    }

    private static X509Certificate cert(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the joined certificate is unreadable: " + e.getMessage(), e);
        }
    }
}
