package io.roam.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** A bug or an infrastructure fault: one line, exit 1; the stack trace only with -vv. */
final class UnexpectedErrorHandler implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
        int verbosity = Verbosity.level(cmd.getCommandSpec());
        String message = ex.getMessage() == null || ex.getMessage().isBlank()
                ? ex.getClass().getSimpleName() : ex.getMessage().strip().lines().findFirst().orElseThrow();
        var err = cmd.getErr();
        if (verbosity >= 2) {
            err.println("roam: error: " + message);
            ex.printStackTrace(err);
        } else {
            err.println("roam: error: " + message + " (unexpected " + ex.getClass().getSimpleName()
                    + "; run again with -vv to see where)");
        }
        err.flush();
        return 1;
    }
}
