package io.roam.coordinator;

import picocli.CommandLine;

/** Runs {@link CoordinatorCommand} as a program, for tests that start the coordinator as a real process. */
public final class CoordinatorMain {
    private CoordinatorMain() {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new CoordinatorCommand()).execute(args));
    }
}
