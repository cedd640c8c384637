package io.roam.agent.membership;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a server whose chain holds the CA with the given SHA-256 fingerprint and whose leaf that CA signed. Host
 * names are not checked (as in roam's mutual TLS): the pinned CA is what identifies the cluster.
 */
final class PinnedCaTrust extends X509ExtendedTrustManager {
    private final String fingerprint;

    PinnedCaTrust(String fingerprint) { this.fingerprint = fingerprint; }

    @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) throw new CertificateException("the server sent no certificate");
        for (X509Certificate c : chain) {
            if (!fingerprint(c).equals(fingerprint)) continue;
            try {
                chain[0].verify(c.getPublicKey());
                chain[0].checkValidity();
                c.checkValidity();
                return;
            } catch (GeneralSecurityException e) {
                throw new CertificateException("the server's certificate is not signed by the pinned cluster CA: " + e.getMessage(), e);
            }
        }
        throw new CertificateException("the server is not the cluster of this token (no CA with fingerprint "
                + fingerprint.substring(0, 12) + "… in its chain)");
    }

    static String fingerprint(X509Certificate c) throws CertificateException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a joining agent does not accept clients");
    }

    @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
}
