package io.roam.coordinator.membership;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * The cluster's join token, {@code <ca-sha256-hex>.<secret-hex>}, kept in {@code ca/join.token} (0600) and created on
 * first use. The fingerprint lets a joining agent pin the CA; the secret (32 random bytes) proves it may join.
 */
public record JoinToken(String caFingerprint, String secret) {
    public static final String FILE = "join.token";

    public JoinToken {
        if (!caFingerprint.matches("[0-9a-f]{64}") || !secret.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a join token is <64 hex>.<64 hex>");
        }
    }

    /** The token in {@code caDir/join.token}, or a new one for {@code ca} written there. */
    public static JoinToken loadOrCreate(Path caDir, X509Certificate ca) {
        Path file = caDir.resolve(FILE);
        String fingerprint = fingerprint(ca);
        try {
            if (Files.exists(file)) {
                JoinToken t = parse(Files.readString(file, StandardCharsets.US_ASCII).strip());
                if (t.caFingerprint().equals(fingerprint)) return t;
            }
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            JoinToken t = new JoinToken(fingerprint, HexFormat.of().formatHex(secret));
            Path tmp = Files.createTempFile(caDir, FILE, ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, t + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the join token " + file, e);
        }
    }

    public static JoinToken parse(String token) {
        int dot = token.indexOf('.');
        if (dot < 0) throw new IllegalArgumentException("a join token is <64 hex>.<64 hex>");
        return new JoinToken(token.substring(0, dot), token.substring(dot + 1));
    }

    /** Whether {@code offered} is this token's secret (in constant time). */
    public boolean admits(String offered) {
        return MessageDigest.isEqual(secret.getBytes(StandardCharsets.US_ASCII), offered.getBytes(StandardCharsets.US_ASCII));
    }

    /** SHA-256 of the certificate's DER encoding, lower-case hex. */
    public static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint " + cert.getSubjectX500Principal(), e);
        }
    }

    @Override public String toString() { return caFingerprint + "." + secret; }
}
