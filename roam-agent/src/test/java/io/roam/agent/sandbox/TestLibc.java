package io.roam.agent.sandbox;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.OptionalInt;

/**
 * libc calls the tests need to clean up after themselves on a host whose PID 1 does not reap: the test JVM becomes a
 * child subreaper, so a supervisor that roam-supervise detached is adopted by the JVM and can be waited for.
 */
final class TestLibc {
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final int WNOHANG = 1;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle PRCTL = LINKER.downcallHandle(LINKER.defaultLookup().find("prctl").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle WAITPID = LINKER.downcallHandle(LINKER.defaultLookup().find("waitpid").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private TestLibc() {}

    static void becomeSubreaper() {
        try {
            if ((int) PRCTL.invokeExact(PR_SET_CHILD_SUBREAPER, 1L) != 0) throw new IllegalStateException("prctl failed");
        } catch (Throwable t) {
            throw new IllegalStateException("cannot make the test JVM a child subreaper", t);
        }
    }

    /** Reaps child {@code pid} if it has exited: its exit code (128+N for signal N), else empty. */
    static OptionalInt reap(long pid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(ValueLayout.JAVA_INT);
            int rc = (int) WAITPID.invokeExact((int) pid, status, WNOHANG);
            if (rc == 0) return OptionalInt.empty();
            if (rc != pid) throw new IllegalStateException("waitpid(" + pid + ") failed: is it a child of this JVM?");
            int st = status.get(ValueLayout.JAVA_INT, 0);
            return OptionalInt.of((st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("waitpid(" + pid + ") could not be called", t);
        }
    }
}
