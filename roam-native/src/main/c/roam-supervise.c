/*
 * roam-supervise: runs one daemon (a roam agent or coordinator) under a child subreaper.
 *
 *   roam-supervise --pidfile FILE --exits FILE --log FILE -- CMD ARGS...
 *
 * PID 1 on roam machines may not reap orphans, and jobs must outlive their agent. So the supervisor:
 *   - detaches (setsid) and becomes a child subreaper: every process orphaned below it (job inits that
 *     roam-init leaves behind, CRIU-restored trees) is reparented to it and reaped here;
 *   - appends "PID STATUS" (exit code, or 128+signal) for every reaped process to the exits file;
 *   - forwards SIGTERM/SIGINT to the daemon only, never to jobs;
 *   - on SIGHUP starts the daemon again with the same argv if it is not running (`roam up` uses this
 *     to bring an agent back under a supervisor kept alive by its jobs);
 *   - removes the pid file and exits 0 once the daemon is gone and no child is left.
 * The calling process waits (at most 10 s) until the daemon was exec'd, prints the supervisor's pid
 * and exits 0; on failure it prints one line on stderr and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 10000

static char **daemon_argv;      /* CMD ARGS..., kept for respawns */
static pid_t daemon_pid;        /* 0 while the daemon is not running */
static int exits_fd = -1;
static const char *pidfile;

/* One timestamped line on stderr, which is the log file once detached. */
static void say(const char *fmt, ...) {
    char ts[32];
    time_t now = time(NULL);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dprintf(STDERR_FILENO, "%s roam-supervise[%d]: %s\n", ts, (int)getpid(), msg);
}

static int write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes the pid file atomically (FILE.tmp, then rename). */
static int write_pidfile(char *err, size_t errlen) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", pidfile);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) { snprintf(err, errlen, "cannot write %s.tmp: %s", pidfile, strerror(errno)); return -1; }
    char line[32];
    int n = snprintf(line, sizeof line, "%d\n", (int)getpid());
    int rc = write_all(fd, line, (size_t)n);
    close(fd);
    if (rc < 0 || rename(tmp, pidfile) < 0) {
        snprintf(err, errlen, "cannot write %s: %s", pidfile, strerror(errno));
        return -1;
    }
    return 0;
}

/* fork + exec of the daemon; a CLOEXEC pipe tells whether exec worked. Returns its pid or -1. */
static pid_t start_daemon(char *err, size_t errlen) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) { snprintf(err, errlen, "pipe: %s", strerror(errno)); return -1; }
    pid_t pid = fork();
    if (pid < 0) { snprintf(err, errlen, "fork: %s", strerror(errno)); close(p[0]); close(p[1]); return -1; }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvp(daemon_argv[0], daemon_argv);
        int e = errno;
        write_all(p[1], (const char *)&e, sizeof e);
        _exit(127);
    }
    close(p[1]);
    int e = 0;
    ssize_t n;
    while ((n = read(p[0], &e, sizeof e)) < 0 && errno == EINTR) {}
    close(p[0]);
    if (n > 0) {
        snprintf(err, errlen, "cannot run %s: %s", daemon_argv[0], strerror(e));
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
        return -1;
    }
    say("daemon %d started: %s", (int)pid, daemon_argv[0]);
    return pid;
}

/* Reaps every exited child. Returns 1 when no child is left at all (ECHILD). */
static int reap_all(void) {
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid == 0) return 0;
        if (pid < 0) return errno == ECHILD;
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        char line[64];
        int n = snprintf(line, sizeof line, "%d %d\n", (int)pid, code);
        if (write_all(exits_fd, line, (size_t)n) < 0) say("cannot append to exits file: %s", strerror(errno));
        if (pid == daemon_pid) {
            say("daemon %d exited with %d", (int)pid, code);
            daemon_pid = 0;
        }
    }
}

/* The detached supervisor: set up, start the daemon, report on `ready`, then serve signals forever. */
static int supervise(int ready, const char *exits, const char *log) {
    char err[512] = "";
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);     /* handled synchronously by sigwaitinfo below */
    /* default dispositions: an ignored SIGCHLD would auto-reap, and the daemon inherits these */
    signal(SIGCHLD, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);

    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int logfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    exits_fd = open(exits, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (devnull < 0 || logfd < 0 || exits_fd < 0) {
        snprintf(err, sizeof err, "cannot open %s: %s",
                 devnull < 0 ? "/dev/null" : logfd < 0 ? log : exits, strerror(errno));
    } else if (setsid() < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        snprintf(err, sizeof err, "cannot become a session leader and subreaper: %s", strerror(errno));
    }
    if (!err[0]) {
        dup2(devnull, STDIN_FILENO);
        dup2(logfd, STDOUT_FILENO);
        dup2(logfd, STDERR_FILENO);
        close(devnull);
        close(logfd);
        if (write_pidfile(err, sizeof err) == 0 && (daemon_pid = start_daemon(err, sizeof err)) < 0) {
            daemon_pid = 0;
            unlink(pidfile);
        }
    }
    if (err[0]) {
        dprintf(ready, "ERR %s\n", err);
        return 1;
    }
    write_all(ready, "OK\n", 3);
    close(ready);

    for (;;) {
        if (reap_all() && daemon_pid == 0) break;
        siginfo_t si;
        int sig = sigwaitinfo(&set, &si);
        if (sig == SIGTERM || sig == SIGINT) {
            if (daemon_pid > 0) kill(daemon_pid, sig);
            else say("signal %d ignored: the daemon is not running (jobs are never signalled)", sig);
        } else if (sig == SIGHUP) {
            if (daemon_pid > 0) say("SIGHUP ignored: daemon %d is running", (int)daemon_pid);
            else if ((daemon_pid = start_daemon(err, sizeof err)) < 0) { daemon_pid = 0; say("%s", err); }
        }
    }
    unlink(pidfile);
    say("daemon gone and no child left: exiting");
    return 0;
}

int main(int argc, char **argv) {
    /* make sure fds 0-2 exist, so no file opened below lands on (and is then closed as) stdio */
    for (int fd = 0; fd >= 0 && fd < 3;) fd = open("/dev/null", O_RDWR);
    const char *exits = NULL, *log = NULL;
    int i = 1;
    for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
        if (strcmp(argv[i], "--pidfile") == 0) pidfile = argv[i + 1];
        else if (strcmp(argv[i], "--exits") == 0) exits = argv[i + 1];
        else if (strcmp(argv[i], "--log") == 0) log = argv[i + 1];
        else break;
    }
    if (!pidfile || !exits || !log || i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc) {
        fprintf(stderr, "usage: roam-supervise --pidfile FILE --exits FILE --log FILE -- CMD ARGS...\n");
        return 2;
    }
    daemon_argv = &argv[i + 1];

    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) { fprintf(stderr, "roam-supervise: pipe: %s\n", strerror(errno)); return 1; }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) { fprintf(stderr, "roam-supervise: fork: %s\n", strerror(errno)); return 1; }
    if (pid == 0) {
        close(p[0]);
        /* keep only stdio and the ready pipe: inherited descriptors would pin the caller's pipes */
        if (p[1] > 3) close_range(3, (unsigned)p[1] - 1, 0);
        close_range((unsigned)p[1] + 1, ~0U, 0);
        return supervise(p[1], exits, log);
    }
    close(p[1]);

    char buf[600];
    size_t len = 0;
    struct pollfd pfd = { .fd = p[0], .events = POLLIN };
    for (;;) {
        int r = poll(&pfd, 1, READY_TIMEOUT_MS);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) {
            fprintf(stderr, "roam-supervise: %s did not start within 10 s; see %s\n", daemon_argv[0], log);
            return 1;
        }
        ssize_t n = read(p[0], buf + len, sizeof buf - 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
        if (len == sizeof buf - 1 || memchr(buf, '\n', len)) break;
    }
    buf[len] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (strcmp(buf, "OK") == 0) {
        printf("%d\n", (int)pid);
        return 0;
    }
    if (strncmp(buf, "ERR ", 4) == 0) {
        fprintf(stderr, "roam-supervise: %s\n", buf + 4);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    } else {
        fprintf(stderr, "roam-supervise: the supervisor died before starting %s; see %s\n", daemon_argv[0], log);
    }
    return 1;
}
