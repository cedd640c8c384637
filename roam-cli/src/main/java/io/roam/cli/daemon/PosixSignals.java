package io.roam.cli.daemon;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/** kill(2) through the FFM API: the JDK itself can send only SIGTERM and SIGKILL. */
final class PosixSignals {
    static final int SIGHUP = 1;
    static final int SIGKILL = 9;
    static final int SIGTERM = 15;
    private static final int ESRCH = 3;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle KILL = killHandle();

    private PosixSignals() {}

    @SuppressWarnings("restricted") // bin/roam runs the JVM with --enable-native-access=ALL-UNNAMED
    private static MethodHandle killHandle() {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find("kill").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.captureCallState("errno"));
    }

    /** Sends {@code signal} to {@code pid}; false when there is no such process. */
    static boolean send(long pid, int signal) {
        if (pid <= 1 || pid > Integer.MAX_VALUE) throw new IllegalArgumentException("refusing to signal pid " + pid);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) KILL.invokeExact(state, (int) pid, signal);
            if (rc == 0) return true;
            int errno = (int) ERRNO.get(state, 0L);
            if (errno == ESRCH) return false;
            throw new IllegalStateException("kill(" + pid + ", " + signal + ") failed with errno " + errno);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("kill(" + pid + ", " + signal + ") could not be called", t);
        }
    }
}
