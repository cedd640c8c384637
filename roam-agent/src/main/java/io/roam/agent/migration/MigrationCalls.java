package io.roam.agent.migration;

import io.roam.agent.local.LocalServer;
import io.roam.agent.rpc.CoordinatorLink;
import io.roam.proto.Caller;
import io.roam.proto.Done;
import io.roam.proto.DrainRequest;
import io.roam.proto.LocalReply;
import io.roam.proto.LocalRequest;
import io.roam.proto.MigrateRequest;
import io.roam.proto.MigrationGrpc;
import io.roam.proto.MigrationUpdate;
import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/** The CLI's migrate, drain and undrain: forwarded to the coordinator's Migration service, progress lines relayed. */
public final class MigrationCalls {
    private static final Duration LONG = Duration.ofHours(2);   // a drain moves every job of a node, one after the other

    private MigrationCalls() {}

    public static Done handle(CoordinatorLink coordinator, Caller caller, LocalRequest req, LocalServer.ReplyWriter out) throws IOException {
        var stub = MigrationGrpc.newBlockingStub(coordinator.stub(LONG).getChannel())
                .withDeadlineAfter(LONG.toMillis(), TimeUnit.MILLISECONDS);
        Iterator<MigrationUpdate> updates = switch (req.getCmdCase()) {
            case MIGRATE -> {
                var m = req.getMigrate();
                if (m.getJob().isEmpty()) throw new IllegalArgumentException("which job? give its id: roam migrate JOB");
                yield stub.migrate(MigrateRequest.newBuilder().setCaller(caller).setJob(m.getJob()).setTo(m.getTo())
                        .setMode(m.getMode()).setExplain(m.getExplain()).build());
            }
            case DRAIN -> stub.drain(DrainRequest.newBuilder().setCaller(caller).setNode(req.getDrain().getNode()).build());
            case UNDRAIN -> java.util.List.of(stub.undrain(DrainRequest.newBuilder().setCaller(caller).setNode(req.getUndrain().getNode()).build())).iterator();
            default -> throw new IllegalArgumentException("not a migration command: " + req.getCmdCase());
        };
        while (updates.hasNext()) {
            MigrationUpdate u = updates.next();
            if (!u.getDone()) {
                out.send(LocalReply.newBuilder().setProgress(u.getProgress()).build());
                continue;
            }
            Done.Builder d = Done.newBuilder().addAllLines(u.getLinesList());
            if (u.hasJob()) d.addJobs(u.getJob()).setId(u.getJob().getId());
            // With result lines (drain), the CLI prints them and says what failed: an error here would hide them.
            if (!u.getError().isEmpty()) d.setExitCode(1).setError(u.getLinesCount() > 0 ? "" : u.getError());
            return d.build();
        }
        return Done.newBuilder().setExitCode(1).setError("the coordinator ended the call without a result: see its log").build();
    }
}
