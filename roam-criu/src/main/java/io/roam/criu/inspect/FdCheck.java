package io.roam.criu.inspect;

import io.roam.criu.inspect.InetTables.InetSock;
import io.roam.criu.inspect.UnixDiag.UnixSock;
import io.roam.criu.sys.ProcFs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** Checks the open file descriptors of one process of a job. */
final class FdCheck {
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFREG = 0100000;
    private static final int O_ACCMODE = 3;
    private static final int O_APPEND = 02000;
    /** /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom: char major 1. */
    private static final Set<Integer> HARMLESS_MEM_DEVICES = Set.of(3, 5, 7, 8, 9);
    private static final String DELETED = " (deleted)";

    private final Job job;
    private final Findings out;
    private final Map<Long, UnixSock> unix;
    private final Map<Long, InetSock> inet;
    private final long ghostLimit;

    FdCheck(Job job, Findings out, Map<Long, UnixSock> unix, Map<Long, InetSock> inet, long ghostLimit) {
        this.job = job;
        this.out = out;
        this.unix = unix;
        this.inet = inet;
        this.ghostLimit = ghostLimit;
    }

    void check(long pid) {
        String who = Reasons.who(pid, job.comm(pid));
        job.fds().getOrDefault(pid, Map.of()).forEach((fd, target) -> {
            if (target.startsWith("socket:[")) socket(pid, who, fd, Long.parseLong(target.substring(8, target.length() - 1)));
            else if (target.startsWith("anon_inode:")) anon(pid, who, fd, target.substring("anon_inode:".length()));
            else if (target.startsWith("/")) file(pid, who, fd, target);
        });
    }

    private void anon(long pid, String who, int fd, String name) {
        String kind = Reasons.anonInodeKind(name);
        if (kind != null) out.reason(Reasons.unsupportedFd(who, kind, fd));
    }

    private void file(long pid, String who, int fd, String target) {
        Path link = ProcFs.dir(pid).resolve("fd").resolve(Integer.toString(fd));
        Map<String, Object> a;
        try {
            a = Files.readAttributes(link, "unix:mode,rdev,size");
        } catch (IOException e) {
            return; // closed meanwhile
        }
        int type = (int) a.get("mode") & S_IFMT;
        long rdev = (long) a.get("rdev");
        if (type == S_IFCHR || type == S_IFBLK) {
            device(pid, who, fd, target, type == S_IFCHR, major(rdev), minor(rdev));
        } else if (type == S_IFREG) {
            regular(pid, who, fd, target, (long) a.get("size"));
        }
    }

    private void device(long pid, String who, int fd, String path, boolean chr, int major, int minor) {
        if (chr && major == 1 && HARMLESS_MEM_DEVICES.contains(minor)) return;
        if (chr && isPtyMaster(path, major, minor)) {
            String index = ProcFs.fdInfo(pid, fd).getOrDefault("tty-index", "?");
            out.warning(who + " created pseudo-terminal /dev/pts/" + index + " (fd " + fd
                    + "): the restore needs the same pty number free on the target");
        } else if (chr && (major >= 136 && major <= 143) && job.ptyMasters().contains(ptyIndex(major, minor))) {
            return; // the other end of a pty the job created itself: covered by the master's warning
        } else if (chr && isTerminal(path, major)) {
            out.reason(Reasons.terminal(who, path, fd));
        } else {
            out.reason(Reasons.device(who, path, fd));
        }
    }

    private static boolean isPtyMaster(String path, int major, int minor) {
        return (major == 5 && minor == 2) || path.equals("/dev/ptmx") || path.equals("/dev/pts/ptmx");
    }

    private static boolean isTerminal(String path, int major) {
        return major == 4 || major == 5 || (major >= 136 && major <= 143)
                || path.startsWith("/dev/pts/") || path.startsWith("/dev/tty") || path.equals("/dev/console");
    }

    static int ptyIndex(int major, int minor) { return (major - 136) * 256 + minor; }

    private void regular(long pid, String who, int fd, String target, long size) {
        if (target.endsWith(DELETED)) {
            String path = target.substring(0, target.length() - DELETED.length());
            if (!path.startsWith("/memfd:") && size > ghostLimit) {
                out.reason(Reasons.ghost(who, path, "keeps open (fd " + fd + ") the", size, ghostLimit));
            }
            return;
        }
        int flags = parseFlags(ProcFs.fdInfo(pid, fd).get("flags"));
        if ((flags & O_ACCMODE) == 0) return;
        if (job.spool().map(s -> Path.of(target).startsWith(s)).orElse(false)) return;
        String line = who + " writes " + target + " (fd " + fd + "): it must exist at the same path on the target";
        if ((flags & O_APPEND) == 0) line += ", with the size it has at the checkpoint (opened without O_APPEND)";
        out.warning(line);
    }

    private void socket(long pid, String who, int fd, long ino) {
        UnixSock u = unix.get(ino);
        if (u != null) {
            if (u.peer() != 0 && !job.socketInodes().contains(u.peer())) {
                UnixSock peer = unix.get(u.peer());
                String name = peer != null && !peer.name().isEmpty() ? peer.name() : u.name();
                out.reason(Reasons.unixOutside(who, fd, name));
            }
            return;
        }
        InetSock s = inet.get(ino);
        if (s == null) return; // netlink, packet, …: CRIU handles them or says why
        if (!s.tcp()) {
            if (s.localPort() != 0 && job.hostNet()) {
                out.warning(who + " has UDP port " + s.local() + " bound (fd " + fd
                        + "): the port must be free on the target");
            }
        } else if (s.state() == InetTables.TCP_LISTEN) {
            // in the job's own namespace (roam run --net) the port moves with the namespace's address: nothing to say
            if (job.hostNet()) {
                out.warning(who + " listens on TCP " + s.local() + " (fd " + fd + "): the port must be free on the target");
            }
        } else if (s.state() != InetTables.TCP_CLOSE) {
            String connection = s.local() + " → " + s.remote();
            if (job.hostNet()) {
                out.reason(Reasons.tcpEstablished(who, connection, fd));
            } else {
                out.warning(who + " has an established TCP connection " + connection + " (fd " + fd
                        + "): it moves with the job, whose network namespace has its own address (roam run --net)");
            }
        }
    }

    static int parseFlags(String octal) {
        if (octal == null) return 0;
        try {
            return Integer.parseInt(octal.trim(), 8);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static int major(long rdev) { return (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL)); }

    static int minor(long rdev) { return (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL)); }
}
