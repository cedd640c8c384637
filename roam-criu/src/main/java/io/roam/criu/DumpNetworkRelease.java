package io.roam.criu;

import io.roam.criu.image.ProcessTree;
import io.roam.criu.sys.Libc;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Undoes what {@code criu dump --tcp-established --network-lock nftables} did to a job's connections when that criu
 * ends without finishing the dump's cleanup: killed (roam gives up a post-copy move), or failing its lazy page
 * transfer (CRIU 4.2.1's {@code cr_dump_finish} unlocks the network before the page phase only when the dump
 * already failed or the tree stays alive, so a failed page phase resumes the tree with its network still locked).
 * What is left then: the tree's TCP sockets in repair mode (they neither send nor answer) and criu's nftables table
 * {@code inet CRIU-<run id>} in the job's namespace, dropping all its packets. This takes each socket out
 * of repair (through {@code pidfd_getfd}, as criu itself does with the descriptors its parasite hands over; turning
 * repair off sends a window probe, so the peer retransmits at once) and deletes the table, as criu's own
 * {@code network_unlock} would.
 */
public final class DumpNetworkRelease {
    private static final Logger log = LoggerFactory.getLogger(DumpNetworkRelease.class);
    private static final String RUN_ID = "CRIU run id = ";
    private static final String TABLE_PREFIX = "CRIU-";

    /** What was undone: sockets taken out of repair, and whether criu's table was there (and is gone). */
    public record Released(int sockets, boolean table) {}

    private DumpNetworkRelease() {}

    /**
     * For the tree of {@code rootPid}, after the criu that wrote {@code dumpLog} is gone.
     *
     * @throws IllegalStateException when a socket or the table cannot be released (the reason in one line)
     */
    public static Released release(long rootPid, Path dumpLog) {
        int sockets = 0;
        for (long pid : ProcessTree.pids(rootPid)) sockets += repairOff(pid);
        boolean table = runId(dumpLog).map(id -> deleteTable(rootPid, id)).orElse(false);
        log.info("network of pid {} released after its dump: {} socket(s) out of TCP repair, nftables table {}", rootPid, sockets,
                table ? "deleted" : "not there");
        return new Released(sockets, table);
    }

    /** The TCP sockets of {@code pid} in repair mode, taken out of it; their count. */
    static int repairOff(long pid) {
        List<Integer> fds = socketFds(pid);
        if (fds.isEmpty()) return 0;
        int pidfd = Libc.pidfdOpen(pid);
        if (pidfd < 0) {
            if (Libc.lastErrno() == Libc.ESRCH) return 0;
            throw new IllegalStateException("pidfd_open(" + pid + ") failed: errno " + Libc.lastErrno());
        }
        int count = 0;
        try {
            Set<String> done = new HashSet<>();
            for (int fd : fds) {
                int dup = Libc.pidfdGetfd(pidfd, fd);
                if (dup < 0) continue;   // closed meanwhile
                try {
                    if (Libc.getIntOption(dup, Libc.SOL_SOCKET, Libc.SO_PROTOCOL) != Libc.IPPROTO_TCP) continue;
                    if (Libc.getIntOption(dup, Libc.IPPROTO_TCP, Libc.TCP_REPAIR) != 1) continue;
                    if (!done.add(link(pid, fd))) continue;
                    if (Libc.setIntOption(dup, Libc.IPPROTO_TCP, Libc.TCP_REPAIR, 0) < 0) {
                        throw new IllegalStateException("cannot take socket " + fd + " of pid " + pid + " out of TCP repair: errno "
                                + Libc.lastErrno());
                    }
                    count++;
                } finally {
                    Libc.close(dup);
                }
            }
        } finally {
            Libc.close(pidfd);
        }
        return count;
    }

    static Optional<String> runId(Path dumpLog) {
        try (Stream<String> lines = Files.lines(dumpLog, StandardCharsets.UTF_8)) {
            return lines.limit(50).filter(l -> l.contains(RUN_ID)).findFirst()
                    .map(l -> l.substring(l.indexOf(RUN_ID) + RUN_ID.length()).strip())
                    .filter(id -> id.matches("[0-9a-f-]{8,64}"));
        } catch (IOException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /**
     * Deletes criu's {@code inet CRIU-<run id>} table in the network namespace of {@code pid}; false when it was not
     * there. criu formats the name into 32 bytes, so the table holds only a prefix of the run id (21 characters).
     */
    private static boolean deleteTable(long pid, String runId) {
        if (!Files.exists(Path.of("/proc/" + pid + "/ns/net"))) return false;   // the job is gone, and its namespace with it
        Optional<String> table = nft(pid, List.of("list", "tables")).stream().map(String::strip)
                .filter(l -> l.startsWith("table inet " + TABLE_PREFIX)).map(l -> l.substring("table inet ".length()))
                .filter(name -> name.length() > TABLE_PREFIX.length() + 7 && runId.startsWith(name.substring(TABLE_PREFIX.length())))
                .findFirst();
        table.ifPresent(name -> nft(pid, List.of("delete", "table", "inet", name)));
        return table.isPresent();
    }

    private static List<String> nft(long pid, List<String> args) {
        var cmd = new java.util.ArrayList<>(List.of("nsenter", "--net=/proc/" + pid + "/ns/net", "nft"));
        cmd.addAll(args);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("nft " + String.join(" ", args) + " did not finish within 10 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("nft " + String.join(" ", args) + " in the namespace of pid " + pid + " failed: "
                        + out.strip().lines().findFirst().orElse("exit " + p.exitValue()));
            }
            return out.lines().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run nft (install nftables): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running nft", e);
        }
    }

    private static List<Integer> socketFds(long pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.filter(f -> link(f).startsWith("socket:")).map(f -> Integer.parseInt(f.getFileName().toString())).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();   // gone
        }
    }

    private static String link(long pid, int fd) { return link(Path.of("/proc", Long.toString(pid), "fd", Integer.toString(fd))); }

    private static String link(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return "";
        }
    }
}
