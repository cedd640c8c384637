package io.roam.rpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A key and its certificate, issued by the cluster CA: what a coordinator, agent or CLI presents in mutual TLS. */
public record Identity(PrivateKey key, X509Certificate cert, X509Certificate ca) {
    private static final Logger LOG = LoggerFactory.getLogger(Identity.class);
    /** A cached certificate closer than this to its expiry is reissued. */
    static final Duration RENEW_BEFORE = Duration.ofDays(30);

    public Identity {
        Objects.requireNonNull(key);
        Objects.requireNonNull(cert);
        Objects.requireNonNull(ca);
    }

    /** The certificate's common name (a node id, "coordinator", …). */
    public String commonName() { return Certificates.commonName(cert); }

    /**
     * The identity cached in {@code dir/<cn>.pem}, or a new one issued by {@code ca} (and cached) when there is none, it
     * was issued by another CA, or it expires within 30 days. SANs: 127.0.0.1, localhost and this host's name.
     */
    public static Identity loadOrIssue(ClusterCa ca, Path dir, String cn) {
        return loadOrIssue(ca, dir, cn, List.of());
    }

    /** Like {@link #loadOrIssue(ClusterCa, Path, String)}, with extra SANs (e.g. the node's address). */
    public static Identity loadOrIssue(ClusterCa ca, Path dir, String cn, List<String> extraSans) {
        if (!cn.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) throw new IllegalArgumentException("invalid identity name '" + cn + "'");
        Path file = dir.resolve(cn + ".pem");
        List<String> sans = defaultSans(extraSans);
        if (Files.exists(file)) {
            Identity cached = read(file, ca.caCert());
            if (cached != null && cached.usable(ca.caCert(), sans)) return cached;
            LOG.info("reissuing the certificate of {} in {}", cn, file);
        }
        Identity fresh = ca.issue(cn, sans);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        String pem = Pem.encode(fresh.key()) + Pem.encode(fresh.cert()) + Pem.encode(fresh.ca());
        Pem.replacePrivate(file, pem.getBytes(StandardCharsets.US_ASCII));
        return fresh;
    }

    /**
     * Writes this identity as separate PEM files for tools that want them so (criu's gnutls): {@code dir/ca.pem},
     * {@code dir/cert.pem} and the private key in {@code dir/key.pem} (PKCS#8, mode 0600). Returns {@code dir}.
     */
    public Path writePemFiles(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        Pem.replacePrivate(dir.resolve("key.pem"), gnutlsKey().getBytes(StandardCharsets.US_ASCII));
        Pem.replacePrivate(dir.resolve("cert.pem"), Pem.encode(cert).getBytes(StandardCharsets.US_ASCII));
        Pem.replacePrivate(dir.resolve("ca.pem"), Pem.encode(ca).getBytes(StandardCharsets.US_ASCII));
        return dir;
    }

    /**
     * The key as gnutls reads it. The JDK's PKCS#8 encoding of an EC key leaves out the optional public key, and
     * gnutls then refuses it ("ASN1 parser: Element was not found"); an SEC1 "EC PRIVATE KEY" with the public point
     * (taken from the certificate) is accepted. Other key types stay PKCS#8.
     */
    private String gnutlsKey() {
        if (!(key instanceof java.security.interfaces.ECPrivateKey ec)) return Pem.encode(key);
        try {
            var pki = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(key.getEncoded());
            var spki = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(cert.getPublicKey().getEncoded());
            var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(ec.getParams().getOrder().bitLength(), ec.getS(),
                    spki.getPublicKeyData(), pki.getPrivateKeyAlgorithm().getParameters());
            String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(sec1.getEncoded());
            return "-----BEGIN EC PRIVATE KEY-----\n" + b64 + "\n-----END EC PRIVATE KEY-----\n";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the key for criu", e);
        }
    }

    private static List<String> defaultSans(List<String> extra) {
        var sans = new LinkedHashSet<String>(List.of("127.0.0.1", "localhost"));
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = null;
            }
        }
        if (host != null && !host.isBlank()) sans.add(host);
        sans.addAll(extra);
        return new ArrayList<>(sans);
    }

    private static Identity read(Path file, X509Certificate ca) {
        String pem = Pem.read(file);
        try {
            PrivateKey key = Pem.privateKey(pem, file);
            return new Identity(key, Pem.certificates(pem, file).getFirst(), ca);
        } catch (IllegalStateException e) {
            LOG.warn("ignoring unreadable {}: {}", file, e.getMessage());
            return null;
        }
    }

    private boolean usable(X509Certificate caCert, List<String> wantedSans) {
        try {
            cert.verify(caCert.getPublicKey());
            cert.checkValidity(java.util.Date.from(Instant.now().plus(RENEW_BEFORE)));
            var have = new LinkedHashSet<String>();
            var alt = cert.getSubjectAlternativeNames();
            if (alt != null) alt.forEach(entry -> have.add(String.valueOf(entry.get(1))));
            return have.containsAll(wantedSans);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
