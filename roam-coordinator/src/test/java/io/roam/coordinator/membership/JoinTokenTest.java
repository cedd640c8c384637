package io.roam.coordinator.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.rpc.ClusterCa;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JoinTokenTest {
    @TempDir Path tmp;

    @Test
    void isStablePinsTheCaAndAdmitsOnlyItsSecret() throws Exception {
        ClusterCa ca = ClusterCa.loadOrCreate(tmp.resolve("ca"));
        JoinToken t = JoinToken.loadOrCreate(ca.dir(), ca.caCert());
        assertThat(JoinToken.loadOrCreate(ca.dir(), ca.caCert())).isEqualTo(t);
        assertThat(t.caFingerprint()).isEqualTo(JoinToken.fingerprint(ca.caCert()));
        assertThat(JoinToken.parse(t.toString())).isEqualTo(t);
        assertThat(Files.getPosixFilePermissions(ca.dir().resolve(JoinToken.FILE))).hasSize(2);
        assertThat(t.admits(t.secret())).isTrue();
        assertThat(t.admits(t.secret().replace(t.secret().charAt(0), t.secret().charAt(0) == 'a' ? 'b' : 'a'))).isFalse();
        assertThat(t.admits("")).isFalse();

        ClusterCa other = ClusterCa.loadOrCreate(tmp.resolve("other"));
        Files.copy(ca.dir().resolve(JoinToken.FILE), other.dir().resolve(JoinToken.FILE));
        assertThat(JoinToken.loadOrCreate(other.dir(), other.caCert()).caFingerprint())
                .as("a token of another CA is replaced").isEqualTo(JoinToken.fingerprint(other.caCert())).isNotEqualTo(t.caFingerprint());
        assertThatThrownBy(() -> JoinToken.parse("abc")).isInstanceOf(IllegalArgumentException.class);
    }
}
