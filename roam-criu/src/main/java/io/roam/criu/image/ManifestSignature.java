package io.roam.criu.image;

import com.google.protobuf.CodedOutputStream;
import io.roam.proto.Manifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 over the manifest's deterministic serialization with the {@code hmac} field empty. */
final class ManifestSignature {
    private ManifestSignature() {}

    static byte[] sign(Manifest m, byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(canonical(m.toBuilder().clearHmac().build()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    static boolean valid(Manifest m, byte[] key) {
        return MessageDigest.isEqual(sign(m, key), m.getHmac().toByteArray());
    }

    /** Map entries sorted by key, so that a parsed and re-serialized manifest gives the same bytes. */
    static byte[] canonical(Manifest m) {
        byte[] out = new byte[m.getSerializedSize()];
        CodedOutputStream cos = CodedOutputStream.newInstance(out);
        cos.useDeterministicSerialization();
        try {
            m.writeTo(cos);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cos.checkNoSpaceLeft();
        return out;
    }
}
