package io.roam.criu.inspect;

import io.roam.criu.inspect.InetTables.InetSock;
import io.roam.criu.sys.ProcFs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a CRIU log into one line: the first real error (the harmless {@code rlimit} line is skipped: root lacks
 * CAP_SYS_RESOURCE on some hosts), mapped to the same wording {@link JobInspector} uses when it can be, else the raw
 * error. Pids and descriptors come from the log; a process name the log lacks is read from /proc (after a failed
 * dump, CRIU resumes the job).
 */
public final class FailureClassifier {
    private static final Pattern ERROR = Pattern.compile("Error \\(([^)]*)\\): (.*)$");
    private static final Pattern TASK = Pattern.compile("Dumping (?:task|processes) \\(pid: (\\d+) comm: (.*)\\)$");
    private static final Pattern PID = Pattern.compile("\\(pid: (\\d+)\\)");

    private record Rule(Pattern pattern, BiFunction<Matcher, Context, Diagnosis> explain) {}

    /** The log and the position of its first real error. */
    private record Context(List<String> lines, int at) {
        /** Index of the last line before {@code from} matching {@code p}, or -1. */
        int back(Pattern p, int from) {
            for (int i = Math.min(from, lines.size()) - 1; i >= 0; i--) if (p.matcher(lines.get(i)).find()) return i;
            return -1;
        }

        Matcher match(Pattern p, int index) {
            Matcher m = p.matcher(index < 0 ? "" : lines.get(index));
            return m.find() ? m : null;
        }

        /** The task being dumped at line {@code from}: pid and name. */
        String who(int from) {
            Matcher m = match(TASK, back(TASK, from + 1));
            if (m != null) return Reasons.who(Long.parseLong(m.group(1)), m.group(2));
            for (int i = from; i < lines.size(); i++) {
                Matcher p = PID.matcher(lines.get(i));
                if (p.find()) return whoFromProc(Long.parseLong(p.group(1)));
            }
            return "a process of the job";
        }
    }

    private static final List<Rule> RULES = List.of(
            rule("Can't dump file (\\d+) of that type \\[\\d+\\] \\((chr|blk) (\\d+):(\\d+)\\)", (m, c) -> device(m, c)),
            rule("Can't dump file (\\d+) of that type \\[\\d+\\] \\(anon (?:anon_inode:)?(.*)\\)$", (m, c) -> {
                String kind = Reasons.anonInodeKind(m.group(2));
                return refused(Reasons.unsupportedFd(c.who(c.at()), kind == null ? "anon_inode:" + m.group(2) : kind,
                        Integer.parseInt(m.group(1))));
            }),
            rule("Can't dump file (\\d+) of that type \\[\\d+\\] \\((.*)\\)$", (m, c) -> refused(c.who(c.at())
                    + " holds " + m.group(2) + " (fd " + m.group(1) + "): CRIU cannot checkpoint it")),
            // a /dev/net/tun descriptor: CRIU goes through its tun code, not the generic device refusal
            rule("tun: Net namespace is required to dump tun link", (m, c) -> {
                Matcher fd = c.match(Pattern.compile("\\d+ fdinfo (\\d+):"), c.back(Pattern.compile("\\d+ fdinfo \\d+:"), c.at()));
                String who = c.who(c.at());
                return fd == null ? refused(who + " holds device /dev/net/tun: devices cannot move")
                        : refused(Reasons.device(who, "/dev/net/tun", Integer.parseInt(fd.group(1))));
            }),
            rule("send_fds failed", (m, c) -> refused(c.who(c.at()) + " holds a descriptor that cannot be passed to"
                    + " another process (an io_uring instance?): CRIU cannot checkpoint it")),
            rule("tty: Found slave peer index (\\d+) without correspond master peer", (m, c) -> {
                String path = "/dev/pts/" + m.group(1);
                int i = c.back(Pattern.compile("Dumping path for (\\d+) fd via self \\d+ \\[" + Pattern.quote(path) + "\\]"), c.at());
                Matcher fd = c.match(Pattern.compile("Dumping path for (\\d+) fd"), i);
                return fd == null ? refused("the job holds terminal " + path + " whose other end is outside the job: terminals cannot move")
                        : refused(Reasons.terminal(c.who(i), path, Integer.parseInt(fd.group(1))));
            }),
            rule("Found dangling tty", (m, c) -> refused(c.who(c.at())
                    + " uses a terminal of a session outside the job: terminals cannot move")),
            rule("External socket is used", (m, c) -> unixOutside(c)),
            rule("Connected TCP socket", (m, c) -> tcp(c)),
            rule("Can't dump ghost file (.*) of (\\d+) size", (m, c) -> {
                Matcher fd = c.match(Pattern.compile("Dumping path for (\\d+) fd via self"),
                        c.back(Pattern.compile("Dumping path for \\d+ fd via self \\d+ \\[" + Pattern.quote(m.group(1))), c.at()));
                String where = fd == null ? "keeps open the" : "keeps open (fd " + fd.group(1) + ") the";
                return refused(Reasons.ghost(c.who(c.at()), m.group(1), where, Long.parseLong(m.group(2)), JobInspector.GHOST_LIMIT_BYTES));
            }),
            rule("Can't dump nested pid namespace for (\\d+)", (m, c) -> refused(
                    Reasons.nestedPidNamespace(whoFromProc(Long.parseLong(m.group(1)))))),
            rule("A session leader of (\\d+)\\(\\d+\\) is outside of its pid namespace", (m, c) -> refused(
                    Reasons.sessionOutside(whoFromProc(Long.parseLong(m.group(1)))))),
            rule("doesn't live in IPC ns", (m, c) -> refused(
                    Reasons.sysvShmInHostIpc(c.who(c.at())))),
            rule("Can't lookup mount=\\d+ for fd=(\\d+) path=(.*)$", (m, c) -> refused(c.who(c.at()) + " has " + m.group(2)
                    + " (fd " + m.group(1) + ") opened outside the job's mount namespace: open it inside the job")),
            rule("Some file locks are hold by dumping tasks", (m, c) -> failed("the job holds file locks and CRIU ran without --file-locks")),
            rule("Can't open file (\\S+) on restore: No such file or directory", (m, c) -> refused(
                    "file " + absolute(m.group(1)) + " is missing on this machine: the job had it open at the checkpoint")),
            rule("File (\\S+) has bad size (\\d+) \\(expect (\\d+)\\)", (m, c) -> refused("file " + absolute(m.group(1))
                    + " changed size since the checkpoint (" + m.group(2) + " bytes, was " + m.group(3)
                    + "): the job had it open without O_APPEND")),
            rule("Can't fork for (\\d+): File exists", (m, c) -> refused("pid " + m.group(1)
                    + " is taken on this machine: restore needs the job in its own PID namespace (start it with `roam run`)")),
            rule("Unable to detach from (\\d+): No such process", (m, c) -> refused("pid " + m.group(1)
                    + " does not exist: the job is not running")),
            rule("Timeout reached", (m, c) -> failed("CRIU could not freeze the job in time (a task did not stop)")));

    private FailureClassifier() {}

    private static Rule rule(String regex, BiFunction<Matcher, Context, Diagnosis> explain) {
        return new Rule(Pattern.compile(regex), explain);
    }

    /** Diagnoses the log file; a missing log says so. */
    public static Diagnosis diagnose(Path log) {
        try {
            return diagnose(Files.readAllLines(log));
        } catch (IOException e) {
            return new Diagnosis(false, "CRIU wrote no readable log at " + log + " (" + e.getMessage() + ")");
        }
    }

    public static Diagnosis diagnose(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            Matcher e = ERROR.matcher(lines.get(i));
            if (!e.find() || e.group(2).contains("rlimit")) continue;
            Context c = new Context(lines, i);
            for (Rule r : RULES) {
                Matcher m = r.pattern().matcher(e.group(2));
                if (m.find()) return r.explain().apply(m, c);
            }
            return failed("criu: " + e.group(2).trim() + " (" + e.group(1) + ")");
        }
        return failed("CRIU failed without logging an error");
    }

    private static Diagnosis device(Matcher m, Context c) {
        int fd = Integer.parseInt(m.group(1));
        int major = Integer.parseInt(m.group(3));
        int minor = Integer.parseInt(m.group(4));
        String path = devicePath(m.group(2), major, minor);
        String who = c.who(c.at());
        return refused(major == 4 || major == 5 || (major >= 136 && major <= 143)
                ? Reasons.terminal(who, path, fd) : Reasons.device(who, path, fd));
    }

    private static Diagnosis unixOutside(Context c) {
        Matcher runaway = c.match(Pattern.compile("Runaway socket: ino (\\d+) peer_ino (\\d+) .* name (.*)$"),
                c.back(Pattern.compile("Runaway socket:"), c.at()));
        if (runaway == null) return refused("a process of the job has a unix socket connected outside the job: close it before the checkpoint");
        String name = runaway.group(3).equals("null") ? "" : runaway.group(3).trim();
        int dumping = c.back(Pattern.compile("\\tDumping: ino " + runaway.group(2) + " "), c.lines().size());
        Matcher fd = c.match(Pattern.compile("Dumping unix socket at (\\d+)"), c.back(Pattern.compile("Dumping unix socket at"), dumping));
        if (dumping < 0 || fd == null) return refused("a process of the job has a unix socket connected outside the job ("
                + name + "): close it before the checkpoint");
        return refused(Reasons.unixOutside(c.who(dumping), Integer.parseInt(fd.group(1)), name));
    }

    private static Diagnosis tcp(Context c) {
        Matcher fdinfo = c.match(Pattern.compile("(\\d+) fdinfo (\\d+):"), c.back(Pattern.compile("\\d+ fdinfo \\d+:"), c.at()));
        Matcher search = c.match(Pattern.compile("Searching for socket 0x([0-9a-f]+)"), c.back(Pattern.compile("Searching for socket 0x"), c.at()));
        if (fdinfo == null || search == null) return refused("a process of the job has an established TCP connection: needs `roam run --net`");
        long pid = Long.parseLong(fdinfo.group(1));
        long ino = Long.parseLong(search.group(1), 16);
        InetSock s = InetTables.sockets(pid).get(ino);
        String connection = s != null ? s.local() + " → " + s.remote() : "(socket " + ino + ")";
        return refused(Reasons.tcpEstablished(c.who(c.at()), connection, Integer.parseInt(fdinfo.group(2))));
    }

    static String devicePath(String kind, int major, int minor) {
        Path uevent = Path.of("/sys/dev", kind.equals("chr") ? "char" : "block", major + ":" + minor, "uevent");
        for (String line : ProcFs.lines(uevent)) {
            if (line.startsWith("DEVNAME=")) return "/dev/" + line.substring("DEVNAME=".length());
        }
        return "(" + kind + " " + major + ":" + minor + ")";
    }

    private static String whoFromProc(long pid) {
        return Reasons.who(pid, ProcFs.stat(pid).map(ProcFs.Stat::comm).orElse("?"));
    }

    /** CRIU logs paths relative to the root mount. */
    private static String absolute(String path) { return path.startsWith("/") ? path : "/" + path; }

    private static Diagnosis refused(String reason) { return new Diagnosis(true, reason); }

    private static Diagnosis failed(String reason) { return new Diagnosis(false, reason); }
}
