package io.roam.agent.sandbox;

import io.roam.agent.sandbox.LaunchOutcome.LaunchFailed;
import io.roam.agent.sandbox.LaunchOutcome.Launched;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts jobs in their sandbox: roam-init (see roam-native) becomes PID 1 of a fresh PID+IPC namespace, running as
 * the job's user with stdio in the spool directory. Everything a user can get wrong is checked first and answered
 * as {@link LaunchFailed} before any process starts. The init is left orphaned on purpose: the agent runs under
 * roam-supervise, which adopts and reaps it, so the job outlives the agent.
 */
public final class SandboxLauncher {
    /** JVMs keep /tmp/hsperfdata_USER/PID mapped, which a restore on another node cannot find (CRIU-FACTS). */
    static final String NO_PERF_DATA = "-XX:-UsePerfData";
    private static final Duration INIT_TIMEOUT = Duration.ofSeconds(10);
    private static final String NSENTER = io.roam.agent.net.JobNetwork.locate("nsenter");
    private static final Pattern LAUNCHED = Pattern.compile("(\\d+) (\\d+)");
    private static final Logger log = LoggerFactory.getLogger(SandboxLauncher.class);

    private final Path initBinary;

    /** @param initBinary the installed roam-init (NativeBinaries.install(NativeBinaries.INIT, home.libDir())) */
    public SandboxLauncher(Path initBinary) {
        this.initBinary = initBinary.toAbsolutePath();
    }

    /** Starts the job, or explains in one line why it cannot. Infrastructure faults are thrown (unchecked). */
    public LaunchOutcome launch(SandboxSpec spec) {
        if (spec.argv().isEmpty()) return refuse(spec, "no command given: name the program to run");
        Path cwd = spec.cwd().toAbsolutePath().normalize();
        if (!Files.exists(cwd)) {
            return refuse(spec, "working directory " + cwd + " does not exist: create it, or run from another directory");
        }
        if (!Files.isDirectory(cwd)) {
            return refuse(spec, "working directory " + cwd + " is not a directory: run from a directory");
        }
        UserAccess user = new UserAccess(spec.uid(), spec.gid(), spec.groups());
        Path executable;
        switch (CommandLookup.resolve(spec.argv().getFirst(), cwd, spec.env(), user)) {
            case CommandLookup.Found found -> executable = found.executable();
            case CommandLookup.NotFound notFound -> { return refuse(spec, notFound.reason()); }
        }
        Path spool = spec.spoolDir().toAbsolutePath().normalize();
        Optional<String> unreachable = SpoolDir.prepare(spool, user);
        if (unreachable.isPresent()) return refuse(spec, unreachable.get());

        List<String> command = initCommand(spec, cwd, spool, executable);
        Map<String, String> env = jobEnvironment(spec.env(), spool, executable);
        LaunchOutcome outcome = runInit(command, env, spool);
        switch (outcome) {
            case Launched l -> log.info("job {} started: init pid {} runs {} as uid {}", spec.job(), l.hostPid(),
                    executable, spec.uid());
            case LaunchFailed f -> log.info("job {} not started: {}", spec.job(), f.reason());
        }
        return outcome;
    }

    private List<String> initCommand(SandboxSpec spec, Path cwd, Path spool, Path executable) {
        List<String> cmd = new ArrayList<>();
        // nsenter joins only the network namespace: the job keeps the agent's mount namespace, as jobs without --net
        spec.netns().ifPresent(ns -> cmd.addAll(List.of(NSENTER, "--net=" + ns, "--")));
        cmd.addAll(List.of(initBinary.toString(), "--spool", spool.toString(),
                "--uid", Integer.toString(spec.uid()), "--gid", Integer.toString(spec.gid())));
        if (!spec.groups().isEmpty()) {
            cmd.add("--groups");
            cmd.add(spec.groups().stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
        cmd.addAll(List.of("--cwd", cwd.toString(), "--", executable.toString()));
        cmd.addAll(spec.argv().subList(1, spec.argv().size()));
        return cmd;
    }

    /** The job's own environment, plus its private TMPDIR and, for JVMs, no perf-data file. */
    static Map<String, String> jobEnvironment(Map<String, String> jobEnv, Path spool, Path executable) {
        Map<String, String> env = new LinkedHashMap<>(jobEnv);
        env.put("TMPDIR", spool.resolve(SpoolDir.TMP).toString());
        if (isJavaLauncher(executable)) {
            String options = env.getOrDefault("JAVA_TOOL_OPTIONS", "").strip();
            if (!options.contains("UsePerfData")) {
                env.put("JAVA_TOOL_OPTIONS", options.isEmpty() ? NO_PERF_DATA : options + " " + NO_PERF_DATA);
            }
        }
        return env;
    }

    /**
     * A program of a Java runtime: named java, or a launcher in a JDK's bin/ (java, javac, jshell, ...; a JDK image
     * has lib/modules next to bin/). Scripts that start a JVM themselves are not recognised.
     */
    static boolean isJavaLauncher(Path executable) {
        try {
            Path real = executable.toRealPath();
            Path bin = real.getParent();
            return real.getFileName().toString().equals("java")
                    || (bin != null && bin.getFileName() != null && bin.getFileName().toString().equals("bin")
                        && bin.getParent() != null && Files.isRegularFile(bin.getParent().resolve("lib/modules")));
        } catch (IOException e) {
            return false;
        }
    }

    private LaunchOutcome runInit(List<String> command, Map<String, String> env, Path spool) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process init;
        try {
            init = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + initBinary + ": " + e.getMessage(), e);
        }
        String output;
        try {
            // the answer is one short line, well below a pipe's buffer: waiting first cannot deadlock
            if (!init.waitFor(INIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                init.destroyForcibly();
                throw new IllegalStateException(initBinary + " did not answer within " + INIT_TIMEOUT.toSeconds() + " s");
            }
            output = new String(init.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            init.destroyForcibly();
            throw new IllegalStateException("interrupted while starting a job", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the answer of " + initBinary, e);
        }
        Matcher m = LAUNCHED.matcher(output);
        if (init.exitValue() == 0 && m.matches()) {
            return new Launched(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
        }
        String last = output.lines().reduce((a, b) -> b).orElse("");
        if (last.startsWith("ERR ")) {
            SpoolDir.clearExit(spool);   // the init recorded 127 for a job that never ran
            return new LaunchFailed("cannot start the job: " + last.substring(4));
        }
        throw new IllegalStateException(initBinary + " exited with " + init.exitValue() + " and an unexpected answer: "
                + output);
    }

    private static LaunchOutcome refuse(SandboxSpec spec, String reason) {
        log.info("job {} refused: {}", spec.job(), reason);
        return new LaunchFailed(reason);
    }
}
