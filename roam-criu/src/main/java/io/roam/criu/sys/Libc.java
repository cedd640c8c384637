package io.roam.criu.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few system calls Java has no API for, through the FFM API: signals other than SIGTERM/SIGKILL, netlink
 * sockets (sock_diag) and setns. Needs {@code --enable-native-access=ALL-UNNAMED}. Every call returns the raw
 * result; a negative result comes with {@link #lastErrno()}.
 */
public final class Libc {
    public static final int SIGKILL = 9;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;
    public static final int ESRCH = 3;

    public static final int AF_NETLINK = 16;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int NETLINK_SOCK_DIAG = 4;
    public static final int O_RDONLY = 0;
    public static final int O_CLOEXEC = 0x80000;
    public static final int CLONE_NEWNET = 0x40000000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_PROTOCOL = 38;
    public static final int IPPROTO_TCP = 6;
    public static final int TCP_REPAIR = 19;
    private static final long SYS_PIDFD_OPEN = 434;
    private static final long SYS_GETTID = 186;
    private static final long SYS_SETPRIORITY = 141;
    private static final long SYS_SCHED_SETSCHEDULER = 144;
    private static final long SCHED_OTHER = 0, SCHED_IDLE = 5;
    private static final long PRIO_PROCESS = 0;
    private static final long SYS_PIDFD_GETFD = 438;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<Integer> LAST_ERRNO = ThreadLocal.withInitial(() -> 0);

    private static final MethodHandle KILL = handle("kill", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SOCKET = handle("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SENDTO = handle("sendto", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = handle("recv", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SYSCALL3 = handle("syscall", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle GETSOCKOPT = handle("getsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle SETSOCKOPT = handle("setsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SETNS = handle("setns", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private Libc() {}

    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** errno of the last failed call on this thread. */
    public static int lastErrno() { return LAST_ERRNO.get(); }

    /** kill(2); returns 0 or -1 (see {@link #lastErrno()}). */
    public static int kill(long pid, int signal) {
        return (int) call(KILL, (int) pid, signal);
    }

    public static int socket(int domain, int type, int protocol) {
        return (int) call(SOCKET, domain, type, protocol);
    }

    public static long sendto(int fd, MemorySegment buf, long len, MemorySegment addr, int addrLen) {
        return (long) call(SENDTO, fd, buf, len, 0, addr, addrLen);
    }

    public static long recv(int fd, MemorySegment buf, long len) {
        return (long) call(RECV, fd, buf, len, 0);
    }

    public static int close(int fd) {
        return (int) call(CLOSE, fd);
    }

    public static int open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) call(OPEN, arena.allocateFrom(path), flags, 0);
        }
    }

    /** pidfd_open(2): a descriptor for process {@code pid}, or -1. */
    public static int pidfdOpen(long pid) {
        return (int) (long) call(SYSCALL3, SYS_PIDFD_OPEN, pid, 0L, 0L);
    }

    /** pidfd_getfd(2): a duplicate of descriptor {@code fd} of the process behind {@code pidfd} (needs ptrace rights), or -1. */
    public static int pidfdGetfd(int pidfd, int fd) {
        return (int) (long) call(SYSCALL3, SYS_PIDFD_GETFD, (long) pidfd, (long) fd, 0L);
    }

    /** getsockopt(2) of an int option: its value, or -1 (see {@link #lastErrno()}; options here are never negative). */
    public static int getIntOption(int fd, int level, int name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, 4);
            int r = (int) call(GETSOCKOPT, fd, level, name, v, len);
            return r < 0 ? -1 : v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** setsockopt(2) of an int option; returns 0 or -1. */
    public static int setIntOption(int fd, int level, int name, int value) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) call(SETSOCKOPT, fd, level, name, arena.allocateFrom(ValueLayout.JAVA_INT, value), 4);
        }
    }

    /** The calling thread's kernel thread id (gettid(2)): what {@link #niceThread} and {@link #idleThread} take. */
    public static long gettid() {
        return (long) call(SYSCALL3, SYS_GETTID, 0L, 0L, 0L);
    }

    /** Sets thread {@code tid}'s nice value (setpriority(2) of one thread). Returns 0, or -1 with {@link #lastErrno()}. */
    public static int niceThread(long tid, int nice) {
        return (int) (long) call(SYSCALL3, SYS_SETPRIORITY, PRIO_PROCESS, tid, (long) nice);
    }

    /**
     * Puts thread {@code tid} under SCHED_IDLE ({@code idle}: it runs only where no other thread wants the core, and
     * any waking thread preempts it at once) or back under SCHED_OTHER, keeping its nice value. Returns 0, or -1 with
     * {@link #lastErrno()}.
     */
    public static int idleThread(long tid, boolean idle) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment param = arena.allocateFrom(ValueLayout.JAVA_INT, 0);   // struct sched_param { int sched_priority; }
            return (int) (long) call(SYSCALL3, SYS_SCHED_SETSCHEDULER, tid, idle ? SCHED_IDLE : SCHED_OTHER, param.address());
        }
    }

    public static int setns(int fd, int nsType) {
        return (int) call(SETNS, fd, nsType);
    }

    private static Object call(MethodHandle h, Object... args) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            Object[] full = new Object[args.length + 1];
            full[0] = state;
            System.arraycopy(args, 0, full, 1, args.length);
            Object r = h.invokeWithArguments(full);
            LAST_ERRNO.set((int) ERRNO.get(state, 0L));
            return r;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }
}
