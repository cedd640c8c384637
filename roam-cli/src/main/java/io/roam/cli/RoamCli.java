package io.roam.cli;

import io.roam.cli.daemon.DownCommand;
import io.roam.cli.daemon.UpCommand;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/** Builds the {@code roam} command line: the client commands, roam up/down, and the error handling. */
public final class RoamCli {
    private RoamCli() {}

    /** The client commands and up/down, in the order {@code roam --help} lists them. */
    public static List<Object> commands(CliContext ctx) {
        return List.of(new RunCommand(ctx), new ExecCommand(ctx), new PsCommand(ctx), new LogsCommand(ctx), new KillCommand(ctx),
                new WaitCommand(ctx), new CheckpointCommand(ctx), new RestoreCommand(ctx), new CheckpointsCommand(ctx),
                new SleepCommand(ctx), new WakeCommand(ctx), new CheckCommand(ctx), new NodesCommand(ctx),
                new RemoveCommand(ctx), new UpCommand(ctx), new DownCommand(ctx), new VersionCommand(ctx),
                new MigrateCommand(ctx), new DrainCommand(ctx), new UndrainCommand(ctx), new EventsCommand(ctx), new OwnerCommand(ctx));
    }

    /**
     * {@code roam} with every client command, then {@code more} (the daemons: agent, coordinator), then help.
     * Exit codes: 0 ok, 1 failure, 2 usage error; commands that report another program's status pass it on.
     */
    public static CommandLine commandLine(CliContext ctx, Object... more) {
        var cl = new CommandLine(new RoamCommand());
        for (Object c : commands(ctx)) cl.addSubcommand(c);
        for (Object c : more) cl.addSubcommand(c);
        cl.addSubcommand(new CommandLine.HelpCommand());
        // roam run CMD -x: after CMD, every word belongs to CMD
        cl.getSubcommands().get("run").setStopAtPositional(true);
        cl.getSubcommands().get("exec").setStopAtPositional(true);
        ctx.columns().ifPresent(c -> cl.setUsageHelpWidth(Math.clamp(c, 55, 120)));
        cl.setParameterExceptionHandler(new UsageErrorHandler());
        cl.setExecutionExceptionHandler(new UnexpectedErrorHandler());
        cl.setOut(writer(ctx.out()));
        cl.setErr(writer(ctx.err()));
        return cl;
    }

    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(new OutputStreamWriter(stream, stream.charset()), true);
    }
}
