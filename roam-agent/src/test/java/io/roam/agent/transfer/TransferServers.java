package io.roam.agent.transfer;

import io.grpc.Server;
import io.roam.rpc.Identity;
import io.roam.rpc.Tls;
import java.io.UncheckedIOException;

/** Tests' agents: a transfer service on a free gRPC port of 127.0.0.1 with its bulk socket on the next one, as an agent has them. */
final class TransferServers {
    private TransferServers() {}

    /** Tries free ports until the one after the gRPC port is free too (ten times); the gRPC server. */
    static Server listen(Identity identity, TransferService service) {
        for (int i = 0; ; i++) {
            Server s = Tls.startServer("127.0.0.1:0", identity, service);
            try {
                service.startDataPort("127.0.0.1", s.getPort() + 1);
                return s;
            } catch (UncheckedIOException e) {
                s.shutdownNow();
                if (i == 10) throw e;
            }
        }
    }
}
