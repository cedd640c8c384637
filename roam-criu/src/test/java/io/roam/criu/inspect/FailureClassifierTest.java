package io.roam.criu.inspect;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Excerpts of real CRIU 4.2.1 logs, taken on this kind of machine. */
class FailureClassifierTest {
    private static final String RLIMIT = "(00.032044) Error (criu/util.c:1534): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted";

    private static Diagnosis diagnose(String log) { return FailureClassifier.diagnose(log.lines().toList()); }

    @Test
    void aDeviceIsNamedByItsPath() {
        Diagnosis d = diagnose(RLIMIT + """

                (00.044704) Dumping task (pid: 10678 comm: python3)
                (00.048742) 10678 fdinfo 3: pos:                0 flags:           100002/0x1
                (00.048745) Error (criu/files-ext.c:94): Can't dump file 3 of that type [20600] (chr 1:3)
                (00.048753) Error (criu/cr-dump.c:1545): Dump files (pid: 10678) failed with -1
                (00.049043) Error (criu/cr-dump.c:1975): Dumping FAILED.
                """);
        assertThat(d).isEqualTo(new Diagnosis(true, "pid 10678 (python3) holds device /dev/null (fd 3): devices cannot move"));
    }

    @Test
    void aTunDescriptorIsNamedAsTheDeviceItIs() {
        // CRIU 4.2.1's log for a process holding an unattached /dev/net/tun (a VM without /dev/kvm picks it in JobInspectorIT)
        Diagnosis d = diagnose(RLIMIT + """

                (00.012000) Dumping task (pid: 25008 comm: python3)
                (00.015899) 25008 fdinfo 2: pos:              0x8 flags:           100001/0
                (00.015928) 25008 fdinfo 3: pos:                0 flags:           100002/0x1
                (00.015942) Error (criu/tun.c:306): tun: Net namespace is required to dump tun link
                (00.015968) Error (criu/cr-dump.c:1545): Dump files (pid: 25008) failed with -1
                (00.017219) Error (criu/cr-dump.c:1975): Dumping FAILED.
                """);
        assertThat(d).isEqualTo(new Diagnosis(true, "pid 25008 (python3) holds device /dev/net/tun (fd 3): devices cannot move"));
    }

    @Test
    void aTerminalWithoutItsMasterIsNamed() {
        Diagnosis d = diagnose("""
                (00.031449) Dumping task (pid: 10825 comm: sleep)
                (00.047169) tty: Dumping tty 19 with id 0x14
                (00.047171) Dumping path for 3 fd via self 19 [/dev/pts/0]
                (00.038092) Error (criu/tty.c:410): tty: Found slave peer index 0 without correspond master peer
                (00.038167) Error (criu/cr-dump.c:1975): Dumping FAILED.
                """);
        assertThat(d).isEqualTo(new Diagnosis(true, "pid 10825 (sleep) holds terminal /dev/pts/0 (fd 3): terminals cannot move;"
                + " start the job with stdin from /dev/null and output to files"));
    }

    @Test
    void anExternalUnixSocketIsNamed() {
        Diagnosis d = diagnose("""
                (00.041000) Dumping task (pid: 4242 comm: python3)
                (00.041093) unix: Dumping unix socket at 3
                (00.041094) unix: \tDumping: ino 26802 peer_ino 25160 family    1 type    1 state  1 name null
                (00.041100) Dumping task (pid: 4243 comm: other)
                (00.047170) unix: \tRunaway socket: ino 25160 peer_ino 26802 family    1 type    1 state  1 name /tmp/ex/srv.sock
                (00.047171) Error (criu/sk-unix.c:874): unix: External socket is used. Consider using --ext-unix-sk option.
                """);
        assertThat(d).isEqualTo(new Diagnosis(true,
                "pid 4242 (python3) has a unix socket connected outside the job (fd 3, /tmp/ex/srv.sock): close it before the checkpoint"));
    }

    @Test
    void anEstablishedTcpConnectionNeedsItsOwnNetwork() {
        Diagnosis d = diagnose("""
                (00.020000) Dumping task (pid: 999999999 comm: client)
                (00.029055) 999999999 fdinfo 3: pos:                0 flags:                2/0x1
                (00.029059) sockets: Searching for socket 0x6d61 family 2
                (00.029060) Error (criu/sk-inet.c:200): inet: Connected TCP socket, consider using --tcp-established option.
                """);
        assertThat(d).isEqualTo(new Diagnosis(true,
                "pid 999999999 (client) has an established TCP connection (socket 28001) (fd 3): needs `roam run --net`"));
    }

    @Test
    void unsupportedDescriptorsAreNamed() {
        Diagnosis d = diagnose("""
                (00.020000) Dumping task (pid: 11013 comm: python3)
                (00.026919) Error (criu/files-ext.c:94): Can't dump file 3 of that type [600] (anon anon_inode:[perf_event])
                """);
        assertThat(d).isEqualTo(new Diagnosis(true, "pid 11013 (python3) holds a perf_event descriptor (fd 3): CRIU cannot checkpoint it"));
        Diagnosis uring = diagnose("""
                (00.042817) Dumping task (pid: 11257 comm: python3)
                (00.042818) Dumping opened files (pid: 11257)
                pie: 1: Error (criu/pie/parasite.c:588): send_fds failed (-22)
                (00.041769) Error (criu/parasite-syscall.c:280): Can't retrieve FDs from socket
                """);
        assertThat(uring.refused()).isTrue();
        assertThat(uring.reason()).startsWith("pid 11257 (python3) holds a descriptor that cannot be passed").contains("io_uring");
    }

    @Test
    void aLargeGhostFileIsNamed() {
        Diagnosis d = diagnose("""
                (00.030000) Dumping task (pid: 14377 comm: python3)
                (00.030340) Dumping path for 3 fd via self 19 [/tmp/ex/ghost (deleted)]
                (00.030341) Strip ' (deleted)' tag from './tmp/ex/ghost (deleted)'
                (00.030342) Dumping ghost file for fd 19 id 0x1d
                (00.030342) Error (criu/files-reg.c:1031): Can't dump ghost file /tmp/ex/ghost of 100003840 size, increase limit
                """);
        assertThat(d).isEqualTo(new Diagnosis(true,
                "pid 14377 (python3) keeps open (fd 3) the deleted file /tmp/ex/ghost of 95 MB, over the 64 MB ghost limit: close it or keep the file"));
    }

    @Test
    void namespaceAndSessionProblemsAreRefusals() {
        assertThat(diagnose("(00.065912) Error (criu/cr-dump.c:1528): A session leader of 999999998(1) is outside of its pid namespace"))
                .isEqualTo(new Diagnosis(true, "pid 999999998 (?) belongs to a session led outside the job: start the job under setsid"));
        assertThat(diagnose("(00.056907) Error (criu/namespaces.c:460): Can't dump nested pid namespace for 999999997").reason())
                .isEqualTo("pid 999999997 (?) runs in a nested PID namespace: CRIU cannot dump nested PID namespaces");
    }

    @Test
    void restoreFailuresNameTheFile() {
        assertThat(diagnose("""
                (00.042831)      1: Error (criu/files-reg.c:2353): Can't open file tmp/ex/data on restore: No such file or directory
                (00.042833)      1: Error (criu/files-reg.c:2267): Can't open file tmp/ex/data: No such file or directory
                """)).isEqualTo(new Diagnosis(true, "file /tmp/ex/data is missing on this machine: the job had it open at the checkpoint"));
        assertThat(diagnose("(00.025244)      1: Error (criu/files-reg.c:2175): File tmp/ex/data2 has bad size 9 (expect 4)"))
                .isEqualTo(new Diagnosis(true, "file /tmp/ex/data2 changed size since the checkpoint (9 bytes, was 4): the job had it open without O_APPEND"));
    }

    @Test
    void anUnknownErrorIsReportedRaw() {
        assertThat(diagnose(RLIMIT + "\n(00.1) Error (criu/mem.c:45): BUG at criu/mem.c:45\n"))
                .isEqualTo(new Diagnosis(false, "criu: BUG at criu/mem.c:45 (criu/mem.c:45)"));
        assertThat(FailureClassifier.diagnose(List.of(RLIMIT, "(00.2) Dumping finished successfully")))
                .isEqualTo(new Diagnosis(false, "CRIU failed without logging an error"));
    }
}
