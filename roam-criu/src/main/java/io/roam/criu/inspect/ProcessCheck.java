package io.roam.criu.inspect;

import io.roam.criu.sys.ProcFs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Checks one process of a job for what is not about descriptors: namespaces, session, tracer, memory mappings. */
final class ProcessCheck {
    private static final Pattern MAPS_LINE =
            Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) \\S+ \\S+ \\S+ (\\d+)\\s+(/.*)$");
    private static final String DELETED = " (deleted)";

    private final Job job;
    private final Findings out;
    private final long ghostLimit;

    ProcessCheck(Job job, Findings out, long ghostLimit) {
        this.job = job;
        this.out = out;
        this.ghostLimit = ghostLimit;
    }

    void check(long pid) {
        String who = Reasons.who(pid, job.comm(pid));
        Map<String, String> status = ProcFs.status(pid);
        long tracer = parseLong(status.getOrDefault("TracerPid", "0"));
        if (tracer != 0 && !job.contains(tracer)) out.reason(Reasons.traced(who, tracer));
        if (pid == job.root()) {
            String[] nspid = status.getOrDefault("NSpid", "").trim().split("\\s+");
            boolean ownNamespace = nspid.length >= 2 && nspid[nspid.length - 1].equals("1")
                    && !Objects.equals(ProcFs.namespace(pid, "pid"), ProcFs.namespaceOfSelf("pid"));
            if (!ownNamespace) out.reason(Reasons.notNamespaceInit(who));
        } else {
            // a process that exits while we look has no namespace link any more: it is not in a nested namespace
            var ns = ProcFs.namespace(pid, "pid");
            if (ns.isPresent() && !ns.equals(ProcFs.namespace(job.root(), "pid"))) out.reason(Reasons.nestedPidNamespace(who));
        }
        ProcFs.Stat stat = job.stats().get(pid);
        if (stat != null && !stat.dead() && !job.contains(stat.session())) out.reason(Reasons.sessionOutside(who));
        maps(pid, who);
    }

    private void maps(long pid, String who) {
        for (String line : ProcFs.lines(ProcFs.dir(pid).resolve("maps"))) {
            Matcher m = MAPS_LINE.matcher(line);
            if (!m.matches()) continue;
            String path = m.group(4);
            if (path.startsWith("/SYSV")) {
                if (job.hostIpc()) out.reason(Reasons.sysvShmInHostIpc(who));
            } else if (path.startsWith("/dev/") && !path.startsWith("/dev/shm/") && !path.startsWith("/dev/zero")) {
                out.reason(Reasons.mappedDevice(who, stripDeleted(path)));
            } else if (path.endsWith(DELETED) && !path.startsWith("/memfd:")) {
                long size = size(ProcFs.dir(pid).resolve("map_files").resolve(m.group(1) + "-" + m.group(2)));
                if (size > ghostLimit) out.reason(Reasons.ghost(who, stripDeleted(path), "maps the", size, ghostLimit));
            }
        }
    }

    private static String stripDeleted(String path) {
        return path.endsWith(DELETED) ? path.substring(0, path.length() - DELETED.length()) : path;
    }

    private static long size(Path mapFile) {
        try {
            return Files.size(mapFile);
        } catch (IOException e) {
            return 0;
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
