package io.roam.agent.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.roam.agent.jobs.JobTable;
import io.roam.core.NodeId;
import io.roam.core.RoamHome;
import io.roam.criu.CriuInfo;
import io.roam.rpc.ClusterCa;
import io.roam.rpc.Identity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The post-copy page relay between two agents' transfer services over real sockets and real TLS (a test cluster CA):
 * the two "criu" ends are plain sockets that connect with their tokens, as criu's wrapper shells do.
 */
class PageRelayTest {
    private static final CriuInfo HERE = new CriuInfo("4.2.1", "6.18.44", "x86_64", Set.of());

    @TempDir Path tmp;
    private TransferService source, target;
    private Server grpc;

    @BeforeEach
    void up() throws IOException {
        ClusterCa ca = ClusterCa.loadOrCreate(tmp.resolve("ca"));
        Identity n1 = Identity.loadOrIssue(ca, tmp.resolve("ids"), "n1"), n2 = Identity.loadOrIssue(ca, tmp.resolve("ids"), "n2");
        source = new TransferService(NodeId.of("n1"), new RoamHome(tmp.resolve("h1")), new JobTable(tmp.resolve("j1")), n1, ca.clusterId(),
                ca.secret(), HERE, TransferFaults.none());
        target = new TransferService(NodeId.of("n2"), new RoamHome(tmp.resolve("h2")), new JobTable(tmp.resolve("j2")), n2, ca.clusterId(),
                ca.secret(), HERE, TransferFaults.none());
        grpc = TransferServers.listen(n1, source);
    }

    @AfterEach
    void down() throws InterruptedException {
        source.closeDataPort();
        grpc.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        source.close();
        target.close();
    }

    private static Socket criu(PageRelay.Local local, String token) throws IOException {
        Socket s = new Socket("127.0.0.1", local.port());
        s.getOutputStream().write(token.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        s.setSoTimeout(20_000);
        return s;
    }

    @Test
    void requestsAndPagesCrossBothAgentsByteExactAndAnEndIsPassedOn() throws Exception {
        PageRelay.Local served = source.pageRelay().open();
        source.pageRelay().serve("job-a", served);
        try (Socket dump = criu(served, served.token())) {
            PageRelay.Local fetching = target.pageRelay().open();
            CompletableFuture<Void> relay = target.pageRelay().fetch("127.0.0.1", source.dataPort(), "job-a", fetching);
            try (Socket lazy = criu(fetching, fetching.token())) {
                byte[] request = "GET 24 bytes of request.".getBytes(StandardCharsets.US_ASCII);
                lazy.getOutputStream().write(request);
                assertThat(dump.getInputStream().readNBytes(request.length)).isEqualTo(request);
                byte[] pages = new byte[(9 << 20) + 4321];   // more than one sealed frame, and a short last one
                new Random(3).nextBytes(pages);
                Thread.ofVirtual().start(() -> {
                    try {
                        dump.getOutputStream().write(pages);
                        dump.shutdownOutput();   // criu's end of the page stream
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                assertThat(lazy.getInputStream().readNBytes(pages.length)).isEqualTo(pages);
                assertThat(lazy.getInputStream().read()).as("the source's end, passed on").isEqualTo(-1);
                lazy.shutdownOutput();
                assertThat(dump.getInputStream().read()).as("the target's end, passed on").isEqualTo(-1);
            }
            relay.get(20, TimeUnit.SECONDS);
        }
    }

    /**
     * criu's page server exits 0 on a bare end of stream, so the source's agent tells a daemon that closed the transfer
     * from a relay cut on the target's side (its agent gone: its sockets close without the daemon's close command).
     */
    @Test
    void theSourceTellsATransferTheDaemonClosedFromARelayCutOnTheTargetsSide() throws Exception {
        byte[] get = PageServerCloseTest.psi(7, 4, 0x7f00_0000_0000L, 42);
        for (boolean cut : new boolean[] {false, true}) {
            String job = cut ? "job-cut" : "job-closed";
            PageRelay.Local served = source.pageRelay().open();
            source.pageRelay().serve(job, served);
            try (Socket dump = criu(served, served.token())) {
                PageRelay.Local fetching = target.pageRelay().open();
                CompletableFuture<Void> relay = target.pageRelay().fetch("127.0.0.1", source.dataPort(), job, fetching);
                try (Socket lazy = criu(fetching, fetching.token())) {
                    lazy.getOutputStream().write(get);
                    assertThat(dump.getInputStream().readNBytes(get.length)).isEqualTo(get);
                    if (cut) {
                        fetching.close();   // the target's relay goes away with its agent: no close command ever comes
                    } else {
                        lazy.getOutputStream().write(PageServerCloseTest.psi(PageServerClose.FORCE_CLOSE, 0, 0, 0));
                        assertThat(dump.getInputStream().readNBytes(PageServerClose.PSI)).hasSize(PageServerClose.PSI);
                        dump.shutdownOutput();
                        lazy.shutdownOutput();
                    }
                    assertThat(ended(dump)).as("%s: the dump's socket ends", job).isTrue();
                }
                relay.handle((v, e) -> null).get(20, TimeUnit.SECONDS);
            }
            assertThat(served.peerClosed()).as("%s: the target closed the transfer", job).isEqualTo(!cut);
        }
    }

    @Test
    void aConnectionWithoutTheTokenIsClosedAndTheRightOneStillGetsThrough() throws Exception {
        PageRelay.Local served = source.pageRelay().open();
        source.pageRelay().serve("job-b", served);
        try (Socket intruder = criu(served, "0".repeat(served.token().length()))) {
            assertThat(intruder.getInputStream().read()).isEqualTo(-1);
        }
        try (Socket dump = criu(served, served.token())) {
            PageRelay.Local fetching = target.pageRelay().open();
            target.pageRelay().fetch("127.0.0.1", source.dataPort(), "job-b", fetching);
            try (Socket wrong = criu(fetching, fetching.token().substring(1) + "x"); Socket lazy = criu(fetching, fetching.token())) {
                assertThat(wrong.getInputStream().read()).isEqualTo(-1);
                lazy.getOutputStream().write(7);
                assertThat(dump.getInputStream().read()).isEqualTo(7);
            }
        }
    }

    @Test
    void pagesOfAJobThatIsNotServedOrWasCancelledEndAtOnceForTheTarget() throws Exception {
        PageRelay.Local served = source.pageRelay().open();
        source.pageRelay().serve("job-c", served);
        try (Socket dump = criu(served, served.token())) {
            source.pageRelay().cancel("job-c");   // the migration was given up on the source
            // closed after the relay accepted it (end of stream) or before (the listener's backlog is reset): either way gone
            assertThat(ended(dump)).as("the dump's socket is closed").isTrue();
        }
        for (String job : new String[] {"job-c", "never-served"}) {
            PageRelay.Local fetching = target.pageRelay().open();
            CompletableFuture<Void> relay = target.pageRelay().fetch("127.0.0.1", source.dataPort(), job, fetching);
            try (Socket lazy = criu(fetching, fetching.token())) {
                assertThat(ended(lazy)).as("%s: the lazy-pages daemon sees its page server gone", job).isTrue();
            }
            relay.handle((v, e) -> null).get(20, TimeUnit.SECONDS);
        }
    }

    /** The peer closed: an end of stream, or a reset (a connection closed unaccepted). False if a byte came instead. */
    private static boolean ended(Socket s) throws IOException {
        try {
            return s.getInputStream().read() == -1;
        } catch (java.net.SocketException e) {
            return e.getMessage() != null && e.getMessage().contains("reset");
        }
    }
}
