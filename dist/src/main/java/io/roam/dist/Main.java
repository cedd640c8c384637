package io.roam.dist;

import io.roam.agent.AgentCommand;
import io.roam.cli.CliContext;
import io.roam.cli.RoamCli;
import io.roam.coordinator.CoordinatorCommand;
import io.roam.sim.SimCommand;
import picocli.CommandLine;

/**
 * The {@code roam} program that bin/roam runs: the root command with every client command, roam up/down, and the
 * two daemons ({@code roam agent}, {@code roam coordinator}) that roam up starts under roam-supervise.
 * Exit codes: 0 ok, 1 failure, 2 usage error ({@code roam wait} passes on the job's).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(commandLine(CliContext.system()).execute(args));
    }

    public static CommandLine commandLine(CliContext ctx) {
        return RoamCli.commandLine(ctx, new AgentCommand(), new CoordinatorCommand(), new SimCommand());
    }
}
