package io.roam.agent.sandbox;

import io.roam.core.JobId;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to start: the job's command line (argv[0] is looked up on the job's own PATH), working directory, complete
 * environment, identity (numeric uid, gid and supplementary groups), and its spool directory (out, err, exit, tmp/).
 * An empty argv is allowed here; {@link SandboxLauncher#launch} refuses it with a reason. {@code netns}, when
 * present, is the (named) network namespace the job starts in ({@code roam run --net}); otherwise it shares the agent's.
 */
public record SandboxSpec(JobId job, List<String> argv, Path cwd, Map<String, String> env, int uid, int gid,
                          List<Integer> groups, Path spoolDir, Optional<Path> netns) {
    public SandboxSpec(JobId job, List<String> argv, Path cwd, Map<String, String> env, int uid, int gid,
                       List<Integer> groups, Path spoolDir) {
        this(job, argv, cwd, env, uid, gid, groups, spoolDir, Optional.empty());
    }

    public SandboxSpec {
        Objects.requireNonNull(netns, "netns");
        Objects.requireNonNull(job, "job");
        argv = List.copyOf(argv);
        Objects.requireNonNull(cwd, "cwd");
        env = Map.copyOf(env);
        groups = List.copyOf(groups);
        Objects.requireNonNull(spoolDir, "spoolDir");
        if (uid < 0 || gid < 0 || groups.stream().anyMatch(g -> g < 0)) {
            throw new IllegalArgumentException("uid, gid and groups must not be negative: " + uid + ", " + gid + ", " + groups);
        }
    }
}
