package io.roam.agent.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsersTest {
    @TempDir Path dir;

    private Users users() throws IOException {
        Path passwd = Files.writeString(dir.resolve("passwd"), """
                root:x:0:0:root:/root:/bin/bash
                alice:x:1000:1000:Alice:/home/alice:/bin/bash
                bob:x:1001:100::/home/bob:/bin/sh
                """);
        Path group = Files.writeString(dir.resolve("group"), """
                root:x:0:
                users:x:100:alice
                docker:x:998:alice,bob
                alice:x:1000:
                """);
        return new Users(passwd, group);
    }

    @Test
    void resolvesNamesToIdsAndSupplementaryGroups() throws IOException {
        var alice = users().caller("alice", "alice").orElseThrow();
        assertThat(alice.getUid()).isEqualTo(1000);
        assertThat(alice.getGid()).isEqualTo(1000);
        assertThat(alice.getUser()).isEqualTo("alice");
        assertThat(alice.getGroupsList()).containsExactly(100, 998);
    }

    @Test
    void thePeersGroupWinsOverThePasswdDefault() throws IOException {
        assertThat(users().caller("bob", "docker").orElseThrow().getGid()).isEqualTo(998);
    }

    @Test
    void numericUidsWithoutAPasswdEntryAreAccepted() throws IOException {
        var anon = users().caller("4242", "4242").orElseThrow();
        assertThat(anon.getUid()).isEqualTo(4242);
        assertThat(anon.getGid()).isEqualTo(4242);
    }

    @Test
    void unknownNamesAreRejected() throws IOException {
        assertThat(users().caller("mallory", "users")).isEmpty();
    }
}
