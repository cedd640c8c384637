package io.roam.cli;

import io.roam.cli.args.IdConverters;
import io.roam.core.CheckpointId;
import io.roam.proto.LocalRequest;
import io.roam.proto.RestoreCmd;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code roam restore CHECKPOINT}: prints the job's id. */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Start a job again from a checkpoint (its image is verified first), and print the job's id.")
final class RestoreCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Parameters(paramLabel = "CHECKPOINT", converter = IdConverters.Checkpoint.class,
            description = "The checkpoint's id, JOB.N, as printed by 'roam checkpoint' and 'roam checkpoints'.")
    CheckpointId checkpoint;

    RestoreCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var request = LocalRequest.newBuilder().setRestore(RestoreCmd.newBuilder().setCheckpoint(checkpoint.value())).build();
        return new AgentCall(ctx, verbosity).send(request, AgentCall.SLOW, done -> {
            ctx.out().println(done.getId());
            return done.getExitCode();
        });
    }
}
