package io.roam.criu;

import io.roam.criu.sys.ProcFs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Whose credentials a dump runs with. A job of root is dumped by root. A job of another user is dumped AS that user
 * with {@code --unprivileged}: root here lacks CAP_SYS_RESOURCE, so root's criu cannot read another user's rlimits
 * (prlimit), while the user's own criu can. criu then runs under {@code setpriv} with the user's uid, gid and groups
 * and three ambient capabilities: CAP_CHECKPOINT_RESTORE and CAP_SYS_PTRACE (freezing and reading the tree: criu's
 * unprivileged mode) and CAP_SYS_ADMIN (setns into the job's IPC namespace). The job's namespace init must hold
 * CAP_SYS_ADMIN itself and have a cwd the user can write (roam-init does both), because criu's parasite mounts a
 * procfs of the PID namespace from inside that init. The image directory is made the user's (mode 0700).
 */
record DumpAs(int uid, int gid, List<Integer> groups) {
    static final String CAPS = "+checkpoint_restore,+sys_ptrace,+sys_admin";
    private static final List<Path> SETPRIV = List.of(Path.of("/usr/bin/setpriv"), Path.of("/bin/setpriv"), Path.of("/usr/sbin/setpriv"));

    DumpAs {
        groups = List.copyOf(groups);
    }

    boolean root() { return uid == 0; }

    /** The real uid, gid and supplementary groups of a live process, from /proc/PID/status. */
    static Optional<DumpAs> of(long pid) {
        Map<String, String> status = ProcFs.status(pid);
        String uid = status.get("Uid"), gid = status.get("Gid");
        if (uid == null || gid == null) return Optional.empty();
        String groups = status.getOrDefault("Groups", "").strip();
        return Optional.of(new DumpAs(Integer.parseInt(uid.strip().split("\\s+")[0]), Integer.parseInt(gid.strip().split("\\s+")[0]),
                groups.isEmpty() ? List.of() : Arrays.stream(groups.split("\\s+")).map(Integer::valueOf).toList()));
    }

    /** The command that runs {@code criuArgs} with these credentials (for root: unchanged). */
    List<String> wrap(List<String> criuArgs) {
        if (root()) return criuArgs;
        Path setpriv = SETPRIV.stream().filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new CriuUnavailableException("setpriv not found in /usr/bin, /bin or /usr/sbin: install util-linux to checkpoint jobs of users other than root"));
        List<String> cmd = new ArrayList<>(List.of(setpriv.toString(), "--reuid", Integer.toString(uid), "--regid", Integer.toString(gid)));
        if (groups.isEmpty()) cmd.add("--clear-groups");
        else cmd.addAll(List.of("--groups", groups.stream().map(String::valueOf).collect(Collectors.joining(","))));
        cmd.addAll(List.of("--inh-caps", CAPS, "--ambient-caps", CAPS));
        cmd.addAll(criuArgs);
        cmd.add("--unprivileged");
        return cmd;
    }

    /**
     * Makes {@code dir} this user's (0700) and checks that the user can reach it. Answers why not, if not.
     */
    Optional<String> prepare(Path dir) throws IOException {
        if (root()) return Optional.empty();
        for (Path p = dir.getParent(); p != null; p = p.getParent()) {
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid");
            int mode = (Integer) a.get("mode");
            int bit = (Integer) a.get("uid") == uid ? 0100 : (Integer) a.get("gid") == gid || groups.contains((Integer) a.get("gid")) ? 0010 : 0001;
            if ((mode & bit) == 0) {
                return Optional.of("uid " + uid + " cannot reach image directory " + dir + ": make " + p
                        + " searchable (chmod o+x) or keep roam's home on a path every user can traverse");
            }
        }
        Files.setAttribute(dir, "unix:uid", uid);
        Files.setAttribute(dir, "unix:gid", gid);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return Optional.empty();
    }
}
