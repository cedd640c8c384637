package io.roam.cli;

import io.roam.cli.args.IdConverters;
import io.roam.core.NodeId;
import io.roam.proto.LocalRequest;
import io.roam.proto.OwnerCmd;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code roam owner NODE --active|--idle}: simulate the owner of a node (root), as if its keyboard were in use. */
@Command(name = "owner", mixinStandardHelpOptions = true,
        description = {"Simulate the owner of a node being at its keyboard (root only): the node shows as 'owner' in roam nodes,",
            "nothing new lands there, and its guest jobs move away once the coordinator's grace period (--owner-grace) is over.",
            "--idle ends the simulation: the node takes jobs again unless the agent sees its owner really active."})
final class OwnerCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    Verbosity verbosity;

    @Parameters(paramLabel = "NODE", converter = IdConverters.Node.class, description = "The node whose owner is simulated.")
    NodeId node;

    static final class Mode {
        @Option(names = "--active", required = true, description = "The owner is using the machine.") boolean active;

        @Option(names = "--idle", required = true, description = "The owner left: end the simulation.") boolean idle;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    OwnerCommand(CliContext ctx) { this.ctx = ctx; }

    @Override
    public Integer call() {
        var call = new AgentCall(ctx, verbosity);
        var request = LocalRequest.newBuilder().setOwner(OwnerCmd.newBuilder().setNode(node.value()).setActive(mode.active)).build();
        return call.send(request, AgentCall.QUICK, call::lines);
    }
}
