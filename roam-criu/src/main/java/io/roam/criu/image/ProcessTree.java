package io.roam.criu.image;

import io.roam.criu.sys.ProcFs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The processes of a job: its root and all descendants, found through {@code /proc/PID/task/TID/children}. */
public final class ProcessTree {
    private ProcessTree() {}

    /**
     * Host pids of the tree, root first, then breadth-first. Empty when the root does not exist. A process that
     * forks while the tree is read may be missed; CRIU freezes the tree before it relies on the list.
     */
    public static List<Long> pids(long rootPid) {
        if (ProcFs.stat(rootPid).isEmpty()) return List.of();
        Set<Long> seen = new LinkedHashSet<>();
        Deque<Long> todo = new ArrayDeque<>();
        todo.add(rootPid);
        while (!todo.isEmpty()) {
            long pid = todo.poll();
            if (!seen.add(pid)) continue;
            todo.addAll(ProcFs.children(pid));
        }
        return new ArrayList<>(seen);
    }
}
