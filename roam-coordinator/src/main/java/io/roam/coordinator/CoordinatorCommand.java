package io.roam.coordinator;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code roam coordinator}: runs a coordinator in the foreground (roam up runs it under roam-supervise). */
@Command(name = "coordinator", description = "Run a roam coordinator in the foreground (normally started by `roam up`).")
public final class CoordinatorCommand implements Callable<Integer> {
    @Option(names = "--state-dir", description = "roam home (default: $ROAM_HOME or /var/lib/roam)")
    Path stateDir;

    @Option(names = "--listen", description = "gRPC listen address HOST:PORT (default: 127.0.0.1:0; the chosen port is written to coordinator.addr)")
    String listen = "127.0.0.1:0";

    @Option(names = "--zookeeper", description = "external ZooKeeper connect string (default: an embedded server under the state dir)")
    String zookeeper;

    @Override
    public Integer call() {
        throw new UnsupportedOperationException("coordinator: not yet implemented");
    }
}
