package io.roam.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterCaTest {
    @TempDir Path dir;

    @Test void createsOnceThenLoadsTheSameCa() throws Exception {
        ClusterCa first = ClusterCa.loadOrCreate(dir.resolve("ca"));
        ClusterCa again = ClusterCa.loadOrCreate(dir.resolve("ca"));
        assertThat(first.clusterId()).matches("c-[0-9a-f]{12}").isEqualTo(again.clusterId());
        assertThat(again.caCert()).isEqualTo(first.caCert());
        assertThat(again.secret()).hasSize(32).isEqualTo(first.secret());
        assertThat(perms(dir.resolve("ca/ca.key"))).isEqualTo("rw-------");
        assertThat(perms(dir.resolve("ca/cluster.secret"))).isEqualTo("rw-------");
        first.caCert().verify(first.caCert().getPublicKey());
        assertThat(first.caCert().getBasicConstraints()).isGreaterThanOrEqualTo(0);
        long years = (first.caCert().getNotAfter().getTime() - System.currentTimeMillis()) / (365L * 24 * 3600 * 1000);
        assertThat(years).isEqualTo(9); // 10 years minus a few hours
    }

    @Test void concurrentFirstStartsAgreeOnOneCa() throws Exception {
        Path caDir = dir.resolve("ca");
        var go = new CountDownLatch(1);
        List<Future<ClusterCa>> all = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 8; i++) all.add(pool.submit(() -> { go.await(); return ClusterCa.loadOrCreate(caDir); }));
            go.countDown();
            String id = all.getFirst().get(30, TimeUnit.SECONDS).clusterId();
            for (var f : all) assertThat(f.get(30, TimeUnit.SECONDS).clusterId()).isEqualTo(id);
        }
        try (var leftovers = Files.list(dir)) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).containsExactly("ca");
        }
    }

    @Test void identitiesAreCachedAndBoundToTheirCa() throws Exception {
        ClusterCa ca = ClusterCa.loadOrCreate(dir.resolve("ca"));
        Identity a = Identity.loadOrIssue(ca, dir.resolve("ids"), "n1", List.of("10.0.0.7"));
        Identity b = Identity.loadOrIssue(ca, dir.resolve("ids"), "n1", List.of("10.0.0.7"));
        assertThat(b.cert()).isEqualTo(a.cert());
        assertThat(a.commonName()).isEqualTo("n1");
        assertThat(perms(dir.resolve("ids/n1.pem"))).isEqualTo("rw-------");
        a.cert().verify(ca.caCert().getPublicKey());
        assertThat(a.cert().getSubjectAlternativeNames()).extracting(l -> String.valueOf(l.get(1))).contains("127.0.0.1", "10.0.0.7");

        ClusterCa other = ClusterCa.loadOrCreate(dir.resolve("other"));
        Identity c = Identity.loadOrIssue(other, dir.resolve("ids"), "n1", List.of("10.0.0.7"));
        assertThat(c.cert()).isNotEqualTo(a.cert());
        c.cert().verify(other.caCert().getPublicKey());
    }

    private static String perms(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
