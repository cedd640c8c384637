package io.roam.criu.inspect;

/**
 * The one-line explanations shared by {@link JobInspector} (which reads /proc) and {@link FailureClassifier} (which
 * reads CRIU's log), so that a problem found before a dump and the same problem found by a failed dump read alike.
 */
public final class Reasons {
    private Reasons() {}

    /** {@code pid 12 (sh)}: how every reason names a process. */
    public static String who(long pid, String comm) { return "pid " + pid + " (" + comm + ")"; }

    public static String device(String who, String path, int fd) {
        return who + " holds device " + path + " (fd " + fd + "): devices cannot move";
    }

    public static String mappedDevice(String who, String path) {
        return who + " maps device " + path + ": devices cannot move";
    }

    public static String terminal(String who, String path, int fd) {
        return who + " holds terminal " + path + " (fd " + fd
                + "): terminals cannot move; start the job with stdin from /dev/null and output to files";
    }

    public static String unixOutside(String who, int fd, String peerName) {
        String to = peerName == null || peerName.isEmpty() ? "" : ", " + peerName;
        return who + " has a unix socket connected outside the job (fd " + fd + to
                + "): close it before the checkpoint";
    }

    public static String tcpEstablished(String who, String connection, int fd) {
        return who + " has an established TCP connection " + connection + " (fd " + fd
                + "): needs `roam run --net`";
    }

    public static String ghost(String who, String path, String where, long bytes, long limit) {
        return who + " " + where + " deleted file " + path + " of " + mib(bytes) + " MB, over the "
                + mib(limit) + " MB ghost limit: close it or keep the file";
    }

    public static String unsupportedFd(String who, String what, int fd) {
        return who + " holds " + what + " (fd " + fd + "): CRIU cannot checkpoint it";
    }

    public static String notNamespaceInit(String who) {
        return who + " is not the init of its own PID namespace: start the job with `roam run`";
    }

    public static String nestedPidNamespace(String who) {
        return who + " runs in a nested PID namespace: CRIU cannot dump nested PID namespaces";
    }

    public static String sessionOutside(String who) {
        return who + " belongs to a session led outside the job: start the job under setsid";
    }

    public static String sysvShmInHostIpc(String who) {
        return who + " uses SysV shared memory of the host's IPC namespace: start the job with `roam run`";
    }

    public static String traced(String who, long tracer) {
        return who + " is traced by pid " + tracer + " (a debugger?): detach it first";
    }

    static String anonInodeKind(String anonName) {
        String n = anonName.replace("[", "").replace("]", "");
        if (n.equals("io_uring")) return "an io_uring instance";
        if (n.equals("perf_event")) return "a perf_event descriptor";
        if (n.equals("userfaultfd")) return "a userfaultfd";
        if (n.startsWith("bpf")) return "a BPF object (" + n + ")";
        if (n.startsWith("kvm")) return "a KVM descriptor (" + n + ")";
        return null;
    }

    static long mib(long bytes) { return bytes >> 20; }
}
