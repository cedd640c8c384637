package io.roam.agent.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Resolves a job's argv[0] to an absolute path the way execvp(3) would, but on the job's PATH and for the job's
 * user, so that a missing or non-executable command is refused before anything is started.
 */
final class CommandLookup {
    /** Used when the job's environment has no PATH (the usual login default). */
    static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    sealed interface Result permits Found, NotFound {}

    record Found(Path executable) implements Result {}

    record NotFound(String reason) implements Result {}

    private CommandLookup() {}

    static Result resolve(String command, Path cwd, Map<String, String> env, UserAccess user) {
        if (command.isEmpty()) return new NotFound("no such command: '' (the command name is empty)");
        if (command.contains("/")) {
            Path file = cwd.resolve(command).toAbsolutePath().normalize();
            if (user.canExecute(file)) return new Found(file);
            return new NotFound(Files.isRegularFile(file)
                    ? notExecutable(file, user)
                    : "no such command: " + command + " (no file " + file + ")");
        }
        String path = env.getOrDefault("PATH", DEFAULT_PATH);
        Path deniedCandidate = null;
        for (String entry : path.split(":", -1)) {
            Path dir = entry.isEmpty() ? cwd : cwd.resolve(entry);
            Path file = dir.resolve(command).toAbsolutePath().normalize();
            if (user.canExecute(file)) return new Found(file);
            if (deniedCandidate == null && Files.isRegularFile(file)) deniedCandidate = file;
        }
        if (deniedCandidate != null) return new NotFound(notExecutable(deniedCandidate, user));
        return new NotFound("no such command: " + command + " (searched PATH=" + path + ")");
    }

    private static String notExecutable(Path file, UserAccess user) {
        return "permission denied: " + file + " is not executable by uid " + user.uid() + " (chmod +x it, or check its owner)";
    }
}
