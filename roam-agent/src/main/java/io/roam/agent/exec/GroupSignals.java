package io.roam.agent.exec;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** kill(2) to a whole process group (FFM): the exec'd command leads its own group, so its children get the signal too. */
final class GroupSignals {
    private static final MethodHandle KILL;

    static {
        Linker linker = Linker.nativeLinker();
        KILL = linker.downcallHandle(linker.defaultLookup().find("kill").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private GroupSignals() {}

    /**
     * Sends {@code signal} to the group led by {@code pid}, or to {@code pid} alone when the group does not exist yet
     * (the launcher makes it just before exec). Returns false when neither exists any more.
     */
    static boolean send(long pid, int signal) {
        if (pid <= 1 || pid > Integer.MAX_VALUE) throw new IllegalArgumentException("not a process group leader: " + pid);
        if (signal <= 0 || signal > 64) throw new IllegalArgumentException("no such signal: " + signal);
        try {
            if ((int) KILL.invokeExact((int) -pid, signal) == 0) return true;
            return (int) KILL.invokeExact((int) pid, signal) == 0;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("kill(-" + pid + ", " + signal + ") could not be called", t);
        }
    }
}
