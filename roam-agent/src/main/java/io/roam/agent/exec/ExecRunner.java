package io.roam.agent.exec;

import io.roam.proto.Caller;
import io.roam.proto.Done;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts exec'd commands on this node through the roam-exec launcher. Without a PID namespace by default: the
 * launcher makes the command the leader of its own process group, and signals go to that group (see bench/results/
 * exec.md for what a namespace costs per command).
 */
final class ExecRunner {
    private static final Logger log = LoggerFactory.getLogger(ExecRunner.class);

    sealed interface StartOutcome permits Started, Refused {}

    record Started(CommandProcess process) implements StartOutcome {}

    /** Not started: Done explains why (one line), with the exit code the client returns. */
    record Refused(Done done) implements StartOutcome {}

    private final Path launcher;
    private final boolean pidNamespace;

    ExecRunner(Path launcher, boolean pidNamespace) {
        this.launcher = launcher.toAbsolutePath();
        this.pidNamespace = pidNamespace;
    }

    StartOutcome start(Caller caller, List<String> argv, String cwd, Map<String, String> env, Replies replies) {
        if (argv.isEmpty()) return refuse(2, "nothing to run: give a command after --");
        if (!cwd.startsWith("/")) return refuse(2, "the working directory must be an absolute path, not '" + cwd + "'");
        if (caller.getUid() < 0 || caller.getGid() < 0) return refuse(1, "no user identity for the command");
        for (String k : env.keySet()) {
            if (k.isEmpty() || k.indexOf('=') >= 0 || k.indexOf('\0') >= 0) {
                return refuse(2, "environment variable name '" + k + "' is not valid: unset it before roam exec");
            }
        }
        var process = CommandProcess.start(CommandProcess.command(launcher, pidNamespace, caller, argv, cwd), env, replies);
        log.debug("exec pid {} for uid {}: {}", process.pid(), caller.getUid(), argv.getFirst());
        return new Started(process);
    }

    private static Refused refuse(int code, String error) {
        return new Refused(Done.newBuilder().setExitCode(code).setError(error).build());
    }
}
