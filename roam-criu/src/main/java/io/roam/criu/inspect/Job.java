package io.roam.criu.inspect;

import io.roam.criu.sys.ProcFs;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the checks need to know about the whole job: its processes and their open descriptors, the sockets and
 * pseudo-terminals it holds itself, and whether it shares the host's network and IPC namespaces.
 */
record Job(long root, List<Long> pids, Map<Long, ProcFs.Stat> stats, Map<Long, Map<Integer, String>> fds,
           Set<Long> socketInodes, Set<Integer> ptyMasters, boolean hostNet, boolean hostIpc,
           Optional<Path> spool) {

    String comm(long pid) {
        ProcFs.Stat s = stats.get(pid);
        return s == null ? "?" : s.comm();
    }

    boolean contains(long pid) { return stats.containsKey(pid); }
}
