/*
 * roam-init: starts one job as the child of a minimal init that is PID 1 of its own PID+IPC namespace.
 *
 *   roam-init --spool DIR --uid U --gid G [--groups G1,G2,...] --cwd DIR -- /abs/path/CMD ARGS...
 *
 * The process environment is the job's environment. Three processes are involved:
 *   launcher  unshares the namespaces, forks A, and prints "PID STARTTIME" (A's host pid and field 22 of
 *             /proc/PID/stat) once the job was exec'd, or "ERR what: strerror" and exits 1. On success it
 *             exits 0 and leaves A orphaned: the nearest subreaper (roam-supervise) adopts and reaps it.
 *   A         PID 1 of the namespace: setsid, stdio to DIR/{out,err} (append mode, which CRIU restores
 *             without size checks), drops to U:G, forwards signals to the job's process group, reaps
 *             everything, and when the job ends writes DIR/exit ("CODE\n", atomically) and exits with CODE.
 *   B         the job: its own process group, default signal handling, cwd, execv(CMD), no capabilities.
 * When U is not root, A keeps exactly one capability, CAP_SYS_ADMIN, and its cwd is DIR (owned by U): that is
 * what CRIU needs to checkpoint the namespace as U (CRIU's parasite in PID 1 mounts a procfs of the namespace in
 * its cwd; see CriuCheckpointEngine). U cannot ptrace A (A's capabilities are not U's, and A is not dumpable), and
 * A only forwards signals and reaps; the job B and everything it execs have no capabilities.
 * A PID 1 ignores signals it has no handler for, so A forwards them: SIGTERM ends a job with 143 like a
 * normal process; SIGKILL to A kills the whole namespace (the supervisor logs 137).
 * Linked statically and without NSS (ids are numeric), so a checkpointed init maps no shared library.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_GROUPS 256

static const int FORWARDED[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH, SIGCONT };
#define NFORWARDED (sizeof FORWARDED / sizeof FORWARDED[0])

static volatile pid_t job_pgid;   /* B's pid, which is also its process group id */

static void forward(int sig) {
    if (job_pgid > 0) kill(-job_pgid, sig);
}

static int parse_id(const char *s, unsigned *out) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > UINT_MAX - 1) return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_groups(char *s, gid_t *groups, size_t *n) {
    *n = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
        unsigned g;
        if (*n == MAX_GROUPS || parse_id(tok, &g) < 0) return -1;
        groups[(*n)++] = g;
    }
    return 0;
}

/* Opens DIR/NAME for appending, owned by the job's user. */
static int open_spool_file(const char *spool, const char *name, uid_t uid, gid_t gid, int report) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", spool, name);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0 || fchown(fd, uid, gid) < 0) {
        dprintf(report, "ERR open %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    return fd;
}

/* Writes DIR/exit atomically: DIR/exit.tmp, then rename. Best effort: the supervisor logs the code too. */
static void write_exit(const char *spool, int code) {
    char tmp[PATH_MAX], path[PATH_MAX], line[16];
    snprintf(tmp, sizeof tmp, "%s/exit.tmp", spool);
    snprintf(path, sizeof path, "%s/exit", spool);
    int n = snprintf(line, sizeof line, "%d\n", code);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return;
    int ok = write(fd, line, (size_t)n) == n;
    close(fd);
    if (ok) rename(tmp, path);
}

/* Sets this process's capabilities: effective = permitted = MASK (a CAP_TO_MASK of the first word), inheritable none. */
static int set_caps(unsigned mask) {
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {{ .effective = mask, .permitted = mask, .inheritable = 0 }};
    return (int)syscall(SYS_capset, &hdr, data);
}

/* A: PID 1 of the namespace. Never returns. */
static void run_init(int report, const char *spool, uid_t uid, gid_t gid, gid_t *groups, size_t ngroups,
                     const char *cwd, char **cmd) {
    /* nothing of the caller's but the report pipe may leak into the job (CRIU dumps every open fd) */
    if (report > 3) close_range(3, (unsigned)report - 1, 0);
    close_range((unsigned)report + 1, ~0U, 0);
    setsid();
    const char *home = uid == 0 ? "/" : spool;   /* CRIU's parasite makes a directory in A's cwd */
    if (chdir(home) < 0) { dprintf(report, "ERR chdir %s: %s\n", home, strerror(errno)); _exit(127); }
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in < 0) { dprintf(report, "ERR open /dev/null: %s\n", strerror(errno)); _exit(127); }
    int out = open_spool_file(spool, "out", uid, gid, report);
    int err = open_spool_file(spool, "err", uid, gid, report);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
        dprintf(report, "ERR dup2: %s\n", strerror(errno));
        _exit(127);
    }
    close(in); close(out); close(err);

    if (uid != 0 && prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) < 0) {
        dprintf(report, "ERR prctl(PR_SET_KEEPCAPS): %s\n", strerror(errno));
        _exit(127);
    }
    if (setgroups(ngroups, groups) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
        dprintf(report, "ERR cannot switch to uid %u gid %u: %s\n", uid, gid, strerror(errno));
        _exit(127);
    }
    /* dumpable, so that U's CRIU may read /proc/A (U still cannot ptrace A: A has a capability U lacks) */
    if (uid != 0 && (set_caps(CAP_TO_MASK(CAP_SYS_ADMIN)) < 0 || prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) < 0
                     || prctl(PR_SET_DUMPABLE, 1L, 0L, 0L, 0L) < 0)) {
        dprintf(report, "ERR cannot keep CAP_SYS_ADMIN for the namespace init: %s\n", strerror(errno));
        _exit(127);
    }

    /* install the forwarders with those signals blocked, so none arrives before B's pid is known */
    sigset_t fwd, old;
    sigemptyset(&fwd);
    for (size_t i = 0; i < NFORWARDED; i++) sigaddset(&fwd, FORWARDED[i]);
    sigprocmask(SIG_BLOCK, &fwd, &old);
    struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
    sa.sa_mask = fwd;
    for (size_t i = 0; i < NFORWARDED; i++) sigaction(FORWARDED[i], &sa, NULL);
    signal(SIGCHLD, SIG_DFL);   /* SIG_IGN would auto-reap and hide B's status */

    pid_t b = fork();
    if (b < 0) { dprintf(report, "ERR fork: %s\n", strerror(errno)); _exit(127); }
    if (b == 0) {
        /* B: a fresh process: default dispositions, nothing blocked, its own process group */
        for (int s = 1; s < NSIG; s++) if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setpgid(0, 0);
        if (uid != 0 && set_caps(0) < 0) { dprintf(report, "ERR drop capabilities: %s\n", strerror(errno)); _exit(127); }
        if (chdir(cwd) < 0) { dprintf(report, "ERR cd %s: %s\n", cwd, strerror(errno)); _exit(127); }
        execv(cmd[0], cmd);
        dprintf(report, "ERR %s: %s\n", cmd[0], strerror(errno));
        _exit(127);
    }
    setpgid(b, b);              /* also here: a forwarded signal must find the group even before B runs */
    job_pgid = b;
    close(report);
    sigprocmask(SIG_SETMASK, &old, NULL);

    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            _exit(127);         /* ECHILD cannot happen while B lives; bail out rather than spin */
        }
        if (pid == b) {
            int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            write_exit(spool, code);
            _exit(code);        /* the kernel then kills whatever is left in the namespace */
        }
    }
}

/* Field 22 (starttime) of /proc/PID/stat; the comm field may contain spaces, so count after the last ')'. */
static unsigned long long start_time(pid_t pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p) return 0;
    for (int field = 2; field < 22 && p; field++) p = strchr(p + 1, ' ');
    return p ? strtoull(p + 1, NULL, 10) : 0;
}

int main(int argc, char **argv) {
    /* make sure fds 0-2 exist, so no file opened below lands on (and is then closed as) stdio */
    for (int fd = 0; fd >= 0 && fd < 3;) fd = open("/dev/null", O_RDWR);
    const char *spool = NULL, *cwd = NULL;
    unsigned uid = 0, gid = 0;
    int have_uid = 0, have_gid = 0;
    gid_t groups[MAX_GROUPS];
    size_t ngroups = 0;
    int i = 1, bad = 0;
    for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
        const char *opt = argv[i];
        char *val = argv[i + 1];
        if (strcmp(opt, "--spool") == 0) {
            spool = val;
        } else if (strcmp(opt, "--cwd") == 0) {
            cwd = val;
        } else if (strcmp(opt, "--uid") == 0) {
            bad |= parse_id(val, &uid) < 0;
            have_uid = 1;
        } else if (strcmp(opt, "--gid") == 0) {
            bad |= parse_id(val, &gid) < 0;
            have_gid = 1;
        } else if (strcmp(opt, "--groups") == 0) {
            bad |= parse_groups(val, groups, &ngroups) < 0;
        } else {
            bad = 1;
        }
    }
    if (bad || !spool || !cwd || !have_uid || !have_gid || i + 1 >= argc || strcmp(argv[i], "--") != 0
            || argv[i + 1][0] != '/') {
        printf("ERR usage: roam-init --spool DIR --uid U --gid G [--groups G1,G2] --cwd DIR -- /abs/CMD ARGS...\n");
        return 2;
    }
    char **cmd = &argv[i + 1];

    if (unshare(CLONE_NEWPID | CLONE_NEWIPC) < 0) {
        printf("ERR unshare(CLONE_NEWPID|CLONE_NEWIPC): %s\n", strerror(errno));
        return 1;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) { printf("ERR pipe: %s\n", strerror(errno)); return 1; }
    fflush(NULL);
    pid_t a = fork();
    if (a < 0) { printf("ERR fork: %s\n", strerror(errno)); return 1; }
    if (a == 0) {
        close(p[0]);
        run_init(p[1], spool, uid, gid, groups, ngroups, cwd, cmd);
    }
    close(p[1]);

    /* EOF without a message: B has exec'd the job (A's and B's copies are closed by then) */
    char msg[PATH_MAX + 256];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(p[0], msg + len, sizeof msg - 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || (len += (size_t)n) == sizeof msg - 1) break;
    }
    msg[len] = '\0';
    if (len > 0) {
        fputs(msg, stdout);
        while (waitpid(a, NULL, 0) < 0 && errno == EINTR) {}
        return 1;
    }
    printf("%d %llu\n", (int)a, start_time(a));
    return 0;
}
