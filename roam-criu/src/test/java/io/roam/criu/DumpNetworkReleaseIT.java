package io.roam.criu;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.criu.sys.Libc;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a killed {@code criu dump --tcp-established --network-lock nftables} leaves, made by hand the way criu makes it
 * (TCP_REPAIR set on the process's socket through a duplicate of its descriptor, criu's table with drop policies in the
 * process's own network namespace), and undone. Real sockets, a real namespace and real nftables; as root.
 */
class DumpNetworkReleaseIT {
    @TempDir Path dir;

    @Test void aConnectionLeftInRepairBehindCriusLockWorksAgainAfterTheRelease() throws Exception {
        Path go = dir.resolve("go");
        String py = String.join("\n",
                "import os, socket, subprocess, sys, time",
                "subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)",
                "l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen()",
                "c = socket.create_connection(l.getsockname()); s, _ = l.accept()",
                "print('ready', s.fileno(), flush=True)",
                "while not os.path.exists(sys.argv[1]): time.sleep(0.01)",
                "c.sendall(b'ping'); s.settimeout(5)",
                "try:",
                "    print('got', s.recv(4).decode(), flush=True)",
                "except Exception as e:",
                "    print('failed', repr(e), flush=True)",
                "time.sleep(60)");   // stays, so the second release below finds the namespace; destroyed in finally
        Process p = new ProcessBuilder("unshare", "--net", "python3", "-c", py, go.toString()).redirectErrorStream(true).start();
        try (var out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String[] ready = out.readLine().split(" ");
            assertThat(ready[0]).isEqualTo("ready");
            int fd = Integer.parseInt(ready[1]);
            long pid = p.pid();
            String runId = UUID.randomUUID().toString();
            String table = ("CRIU-" + runId).substring(0, 26);   // criu's 32-byte buffer holds "inet " and 26 more
            Files.writeString(dir.resolve("dump.log"), "(00.000000) CRIU run id = " + runId + "\n(00.000037) Version: 4.2.1\n");
            setRepair(pid, fd, 1);
            nft(pid, "add table inet " + table + "\nadd chain inet " + table + " input { type filter hook input priority filter; policy drop; }\n"
                    + "add chain inet " + table + " output { type filter hook output priority filter; policy drop; }\n");
            nft(pid, "add table inet keep\n");   // the job's own table: not criu's, stays
            assertThat(repair(pid, fd)).isEqualTo(1);

            var released = DumpNetworkRelease.release(pid, dir.resolve("dump.log"));

            assertThat(released).isEqualTo(new DumpNetworkRelease.Released(1, true));
            assertThat(repair(pid, fd)).isZero();
            assertThat(tables(pid)).contains("table inet keep").noneMatch(t -> t.contains("CRIU-"));
            Files.createFile(go);
            assertThat(out.readLine()).isEqualTo("got ping");
            // nothing left to undo: a second release finds no socket in repair and no table
            assertThat(DumpNetworkRelease.release(pid, dir.resolve("dump.log"))).isEqualTo(new DumpNetworkRelease.Released(0, false));
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test void theRunIdIsReadFromCriusLogAndALogWithoutOneReleasesOnlyTheSockets() throws Exception {
        Path log = dir.resolve("dump.log");
        Files.writeString(log, "(00.000000) CRIU run id = 9ca7a26a-76e3-4059-89f1-0123456789ab\n");
        assertThat(DumpNetworkRelease.runId(log)).contains("9ca7a26a-76e3-4059-89f1-0123456789ab");
        Files.writeString(log, "(00.000000) Version: 4.2.1\n");
        assertThat(DumpNetworkRelease.runId(log)).isEmpty();
        assertThat(DumpNetworkRelease.runId(dir.resolve("missing.log"))).isEmpty();
        Process p = new ProcessBuilder("sleep", "30").start();
        try {
            assertThat(DumpNetworkRelease.release(p.pid(), log)).isEqualTo(new DumpNetworkRelease.Released(0, false));
            // a job that died meanwhile has nothing left to release, and that is no error
            Files.writeString(log, "(00.000000) CRIU run id = 9ca7a26a-76e3-4059-89f1-0123456789ab\n");
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            assertThat(DumpNetworkRelease.release(p.pid(), log)).isEqualTo(new DumpNetworkRelease.Released(0, false));
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void setRepair(long pid, int fd, int on) {
        int pidfd = Libc.pidfdOpen(pid);
        assertThat(pidfd).isNotNegative();
        int dup = Libc.pidfdGetfd(pidfd, fd);
        try {
            assertThat(dup).isNotNegative();
            assertThat(Libc.setIntOption(dup, Libc.IPPROTO_TCP, Libc.TCP_REPAIR, on)).as("errno %d", Libc.lastErrno()).isZero();
        } finally {
            Libc.close(dup);
            Libc.close(pidfd);
        }
    }

    private static int repair(long pid, int fd) {
        int pidfd = Libc.pidfdOpen(pid);
        int dup = Libc.pidfdGetfd(pidfd, fd);
        try {
            return Libc.getIntOption(dup, Libc.IPPROTO_TCP, Libc.TCP_REPAIR);
        } finally {
            Libc.close(dup);
            Libc.close(pidfd);
        }
    }

    private static List<String> tables(long pid) throws Exception {
        Process p = new ProcessBuilder("nsenter", "--net=/proc/" + pid + "/ns/net", "nft", "list", "tables").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out.lines().map(String::strip).toList();
    }

    private static void nft(long pid, String script) throws Exception {
        Process p = new ProcessBuilder("nsenter", "--net=/proc/" + pid + "/ns/net", "nft", "-f", "-").redirectErrorStream(true).start();
        p.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }
}
