/*
 * roam-exec: the fast path of `roam exec`, and the agent's launcher for exec'd commands. Two modes:
 *
 *   roam-exec [--node NODE] [--] CMD ARGS...
 *       The client (bin/roam execs it for `roam exec` before any JVM starts). Connects to
 *       $ROAM_HOME/agent.sock (default /var/lib/roam/agent.sock), sends LocalRequest{exec: ExecCmd{argv, cwd,
 *       env, node}}, then poll()s: stdin -> LocalInput{stdin | stdin_eof}, SIGINT/SIGTERM/SIGHUP/SIGQUIT ->
 *       LocalInput{signal}, socket -> LocalReply{out -> fd 1, err -> fd 2, done}. Exits with Done.exit_code, or
 *       prints Done.error on one line and exits with Done.exit_code (1 when that is 0). The protobuf fields are
 *       encoded by hand (varints and length-delimited fields of local.proto): no library at run time.
 *
 *   roam-exec --run-as --uid U --gid G [--groups G1,G2] --cwd DIR [--pidns] -- CMD ARGS...
 *       Used by the agent (as root): becomes the leader of a new process group, resets signal dispositions,
 *       drops to U:G(+groups), enters DIR and execvp()s CMD with its own environment. A command that cannot be
 *       started gets one "roam: error: ..." line on stderr and exit 127 (126: not executable), like a shell.
 *       --pidns first unshares a PID namespace whose PID 1 (a minimal init here) forwards signals to the
 *       command's group and reaps; when the command ends the whole namespace dies with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define CHUNK 65536
#define MAX_GROUPS 256

static void die(int code, const char *fmt, const char *a, const char *b) {
    fprintf(stderr, "roam: error: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    exit(code);
}

/* ---------- a growable buffer with protobuf encoders ---------- */

typedef struct { uint8_t *p; size_t n, cap; } buf;

static void put(buf *b, const void *src, size_t n) {
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n) cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p) die(1, "out of memory%s%s", "", "");
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_varint(buf *b, uint64_t v) {
    uint8_t tmp[10];
    size_t i = 0;
    do {
        tmp[i] = v & 0x7f;
        v >>= 7;
        if (v) tmp[i] |= 0x80;
        i++;
    } while (v);
    put(b, tmp, i);
}

static void put_bytes(buf *b, unsigned field, const void *data, size_t n) {
    put_varint(b, (field << 3) | 2);
    put_varint(b, n);
    put(b, data, n);
}

static void put_str(buf *b, unsigned field, const char *s) { put_bytes(b, field, s, strlen(s)); }

/* ---------- client ---------- */

static int sig_pipe[2];

static void on_signal(int sig) {
    int saved = errno;
    unsigned char s = (unsigned char)sig;
    if (write(sig_pipe[1], &s, 1) < 0) { /* the pipe is full: the signal is already pending there */ }
    errno = saved;
}

/* Writes everything; returns -1 on EPIPE/ECONNRESET to the agent's socket (its answer may still be readable). */
static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if ((errno == EPIPE || errno == ECONNRESET) && fd != 1 && fd != 2) return -1;
            if (errno == EPIPE) exit(141);  /* our reader went away (roam exec ... | head): like SIGPIPE */
            die(1, "write failed: %s%s", strerror(errno), "");
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int input_closed;   /* the agent stopped reading our input: the command ended; only its answer is left */
static buf pending;        /* input for the agent not yet written: the socket is non-blocking, so that reading the
                              command's output never waits for the agent to take our stdin (no deadlock with cat) */
#define PENDING_MAX (256 * 1024)

/* Writes what the socket takes now. */
static void flush_pending(int sock) {
    size_t done = 0;
    while (done < pending.n && !input_closed) {
        ssize_t w = write(sock, pending.p + done, pending.n - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) break;
            input_closed = 1;   /* EPIPE/ECONNRESET: the agent's answer may still be readable */
            break;
        }
        done += (size_t)w;
    }
    if (input_closed) done = pending.n;
    memmove(pending.p, pending.p + done, pending.n - done);
    pending.n -= done;
}

/* Sends one LocalInput, length-delimited. */
static void send_input(int sock, unsigned field, const uint8_t *data, size_t n, uint64_t v) {
    buf msg = {0}, frame = {0};
    if (field == 1) put_bytes(&msg, 1, data, n);
    else { put_varint(&msg, field << 3); put_varint(&msg, v); }
    put_varint(&frame, msg.n);
    put(&frame, msg.p, msg.n);
    if (!input_closed) put(&pending, frame.p, frame.n);
    flush_pending(sock);
    free(msg.p);
    free(frame.p);
}

static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end) return -1;
        uint8_t c = *(*p)++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return 0;
    }
    return -1;
}

/* Skips one field of wire type wt; -1 when malformed. */
static int skip_field(const uint8_t **p, const uint8_t *end, unsigned wt) {
    uint64_t v;
    switch (wt) {
        case 0: return get_varint(p, end, &v);
        case 1: if (end - *p < 8) return -1; *p += 8; return 0;
        case 2: if (get_varint(p, end, &v) < 0 || (uint64_t)(end - *p) < v) return -1; *p += v; return 0;
        case 5: if (end - *p < 4) return -1; *p += 4; return 0;
        default: return -1;
    }
}

/* Handles Done; never returns. */
static void finish(const uint8_t *p, const uint8_t *end) {
    int32_t code = 0;
    const char *err = NULL;
    size_t errlen = 0;
    while (p < end) {
        uint64_t key, v;
        if (get_varint(&p, end, &key) < 0) die(1, "malformed answer from the agent%s%s", "", "");
        if (key == ((1 << 3) | 0)) {
            if (get_varint(&p, end, &v) < 0) die(1, "malformed answer from the agent%s%s", "", "");
            code = (int32_t)v;
        } else if (key == ((2 << 3) | 2)) {
            if (get_varint(&p, end, &v) < 0 || (uint64_t)(end - p) < v) die(1, "malformed answer from the agent%s%s", "", "");
            err = (const char *)p;
            errlen = v;
            p += v;
        } else if (skip_field(&p, end, key & 7) < 0) {
            die(1, "malformed answer from the agent%s%s", "", "");
        }
    }
    if (err && errlen > 0) {
        fprintf(stderr, "roam: error: %.*s\n", (int)errlen, err);
        exit(code != 0 ? code : 1);
    }
    exit(code);
}

/* Handles one LocalReply. */
static void on_reply(const uint8_t *p, const uint8_t *end) {
    while (p < end) {
        uint64_t key, len;
        if (get_varint(&p, end, &key) < 0) die(1, "malformed answer from the agent%s%s", "", "");
        unsigned field = (unsigned)(key >> 3), wt = key & 7;
        if (wt != 2) {
            if (skip_field(&p, end, wt) < 0) die(1, "malformed answer from the agent%s%s", "", "");
            continue;
        }
        if (get_varint(&p, end, &len) < 0 || (uint64_t)(end - p) < len) die(1, "malformed answer from the agent%s%s", "", "");
        if (field == 1) write_all(1, p, len);
        else if (field == 2) write_all(2, p, len);
        else if (field == 3) { fprintf(stderr, "%.*s\n", (int)len, (const char *)p); }
        else if (field == 4) finish(p, p + len);
        p += len;
    }
}

static int client(int argc, char **argv) {
    const char *node = NULL;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) { i++; break; }
        if (strcmp(argv[i], "--node") == 0 && i + 1 < argc) { node = argv[++i]; continue; }
        if (strncmp(argv[i], "--node=", 7) == 0) { node = argv[i] + 7; continue; }
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("Usage: roam exec [--node NODE] [--] CMD [ARGS...]\n"
                   "Run CMD on the least-loaded node (or NODE), in this directory, with this environment, as you.\n"
                   "stdin, stdout and stderr are streamed, SIGINT/SIGTERM/SIGHUP/SIGQUIT forwarded, and CMD's exit\n"
                   "code returned (128+N when it died of signal N).\n");
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "roam: error: unknown option '%s' for 'roam exec': put the command after --\n", argv[i]);
            return 2;
        }
        break;
    }
    if (i >= argc) {
        fprintf(stderr, "roam: error: nothing to run: give a command after --\n");
        return 2;
    }

    const char *home = getenv("ROAM_HOME");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/agent.sock", home && *home ? home : "/var/lib/roam");
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof addr.sun_path) die(1, "the agent socket path %s is too long: use a shorter ROAM_HOME%s", path, "");
    strcpy(addr.sun_path, path);
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) die(1, "cannot open a unix socket: %s%s", strerror(errno), "");
    if (connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0) {
        if (errno == ENOENT || errno == ECONNREFUSED) die(1, "roam is not running here (no agent at %s): run 'roam up'%s", path, "");
        fprintf(stderr, "roam: error: cannot connect to the agent at %s: %s: check that 'roam up' ran here and that you may use the socket\n",
                path, strerror(errno));
        return 1;
    }

    /* LocalRequest{exec(20): ExecCmd{argv=1, cwd=2, env=3 (map entries {key=1, value=2}), node=4}} */
    buf cmd = {0}, req = {0}, frame = {0};
    for (int a = i; a < argc; a++) put_str(&cmd, 1, argv[a]);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) die(1, "cannot read the current directory: %s%s", strerror(errno), "");
    put_str(&cmd, 2, cwd);
    for (char **e = environ; *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || strncmp(*e, "ROAM_DIST=", 10) == 0) continue;   /* set by bin/roam, not by the caller's shell */
        buf entry = {0};
        put_bytes(&entry, 1, *e, (size_t)(eq - *e));
        put_str(&entry, 2, eq + 1);
        put_bytes(&cmd, 3, entry.p, entry.n);
        free(entry.p);
    }
    if (node) put_str(&cmd, 4, node);
    put_bytes(&req, 20, cmd.p, cmd.n);
    put_varint(&frame, req.n);
    put(&frame, req.p, req.n);
    signal(SIGPIPE, SIG_IGN);
    if (write_all(sock, frame.p, frame.n) < 0) input_closed = 1;
    free(cmd.p); free(req.p); free(frame.p);
    fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);

    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) die(1, "pipe: %s%s", strerror(errno), "");
    static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
    struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    for (size_t s = 0; s < sizeof forwarded / sizeof forwarded[0]; s++) sigaction(forwarded[s], &sa, NULL);

    uint8_t *chunk = malloc(CHUNK);
    buf in = {0};
    int stdin_open = 1;
    for (;;) {
        struct pollfd fds[3] = {
            { .fd = sock, .events = POLLIN | (pending.n > 0 && !input_closed ? POLLOUT : 0) },
            { .fd = sig_pipe[0], .events = POLLIN },
            { .fd = stdin_open && !input_closed && pending.n < PENDING_MAX ? 0 : -1, .events = POLLIN },
        };
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            die(1, "poll: %s%s", strerror(errno), "");
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(sock, chunk, CHUNK);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) die(1, "the agent broke off the call: it may have stopped; see its log, and run 'roam up' to restart it%s%s", "", "");
            put(&in, chunk, (size_t)n);
            /* handle every complete frame in the buffer */
            size_t used = 0;
            for (;;) {
                const uint8_t *p = in.p + used, *end = in.p + in.n;
                uint64_t len;
                if (get_varint(&p, end, &len) < 0) break;             /* length prefix incomplete */
                if ((uint64_t)(end - p) < len) break;                 /* message incomplete */
                on_reply(p, p + len);
                used = (size_t)(p + len - in.p);
            }
            memmove(in.p, in.p + used, in.n - used);
            in.n -= used;
        }
        if (fds[0].revents & POLLOUT) flush_pending(sock);
        if (fds[1].revents & POLLIN) {
            unsigned char s;
            while (read(sig_pipe[0], &s, 1) == 1) send_input(sock, 3, NULL, 0, s);
        }
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
            ssize_t n = (fds[2].revents & POLLNVAL) ? 0 : read(0, chunk, CHUNK);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) { /* again */ }
            else if (n <= 0) { send_input(sock, 2, NULL, 0, 1); stdin_open = 0; }
            else send_input(sock, 1, chunk, (size_t)n, 0);
        }
    }
}

/* ---------- the agent's launcher ---------- */

static void reset_signals(void) {
    for (int s = 1; s < NSIG; s++) if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Drops privileges, enters cwd and execs; never returns. */
static void become(uid_t uid, gid_t gid, gid_t *groups, size_t ngroups, const char *cwd, char **cmd) {
    if (setgroups(ngroups, groups) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
        fprintf(stderr, "roam: error: cannot switch to uid %u gid %u: %s\n", uid, gid, strerror(errno));
        _exit(127);
    }
    if (chdir(cwd) < 0) {
        fprintf(stderr, "roam: error: cannot enter the working directory %s: %s (it must exist at the same path on every node)\n",
                cwd, strerror(errno));
        _exit(127);
    }
    execvp(cmd[0], cmd);
    int e = errno;
    if (e == ENOENT) {
        const char *pathvar = getenv("PATH");
        if (strchr(cmd[0], '/')) fprintf(stderr, "roam: error: no such command: %s\n", cmd[0]);
        else fprintf(stderr, "roam: error: no such command: %s (searched PATH=%s)\n", cmd[0], pathvar ? pathvar : "");
        _exit(127);
    }
    fprintf(stderr, "roam: error: cannot run %s: %s\n", cmd[0], strerror(e));
    _exit(e == EACCES ? 126 : 127);
}

static volatile pid_t child_group;

static void forward(int sig) { if (child_group > 0) kill(-child_group, sig); }

static int exit_code(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

static int run_as(int argc, char **argv) {
    unsigned long uid = ULONG_MAX, gid = ULONG_MAX;
    gid_t groups[MAX_GROUPS];
    size_t ngroups = 0;
    const char *cwd = NULL;
    int pidns = 0, i = 2;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) { i++; break; }
        if (i + 1 < argc && strcmp(argv[i], "--uid") == 0) uid = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--gid") == 0) gid = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--cwd") == 0) cwd = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--groups") == 0) {
            for (char *t = strtok(argv[++i], ","); t && ngroups < MAX_GROUPS; t = strtok(NULL, ",")) groups[ngroups++] = (gid_t)strtoul(t, NULL, 10);
        } else if (strcmp(argv[i], "--pidns") == 0) pidns = 1;
        else { fprintf(stderr, "roam: error: roam-exec --run-as: unknown argument %s\n", argv[i]); return 127; }
    }
    if (uid >= UINT_MAX || gid >= UINT_MAX || !cwd || i >= argc) {
        fprintf(stderr, "roam: error: roam-exec --run-as needs --uid, --gid, --cwd and a command\n");
        return 127;
    }
    setpgid(0, 0);
    reset_signals();
    if (!pidns) become((uid_t)uid, (gid_t)gid, groups, ngroups, cwd, argv + i);

    /* --pidns: this process waits for the namespace's init and passes its code on. Signals sent to our group
     * reach the init too (it stays in the group), which forwards them to the command's own group. */
    if (unshare(CLONE_NEWPID) < 0) { fprintf(stderr, "roam: error: unshare(CLONE_NEWPID): %s\n", strerror(errno)); return 127; }
    static const int fwd[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH, SIGCONT };
    for (size_t s = 0; s < sizeof fwd / sizeof fwd[0]; s++) signal(fwd[s], SIG_IGN);
    pid_t init = fork();
    if (init < 0) { fprintf(stderr, "roam: error: fork: %s\n", strerror(errno)); return 127; }
    if (init > 0) {
        int st;
        while (waitpid(init, &st, 0) < 0) if (errno != EINTR) return 127;
        return exit_code(st);
    }
    /* PID 1: forward, reap, end with the command */
    sigset_t block, old;
    sigemptyset(&block);
    for (size_t s = 0; s < sizeof fwd / sizeof fwd[0]; s++) sigaddset(&block, fwd[s]);
    sigprocmask(SIG_BLOCK, &block, &old);
    struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART, .sa_mask = block };
    for (size_t s = 0; s < sizeof fwd / sizeof fwd[0]; s++) sigaction(fwd[s], &sa, NULL);
    pid_t cmd = fork();
    if (cmd < 0) _exit(127);
    if (cmd == 0) {
        setpgid(0, 0);
        reset_signals();
        become((uid_t)uid, (gid_t)gid, groups, ngroups, cwd, argv + i);
    }
    setpgid(cmd, cmd);
    child_group = cmd;
    sigprocmask(SIG_SETMASK, &old, NULL);
    for (;;) {
        int st;
        pid_t p = waitpid(-1, &st, 0);
        if (p < 0 && errno == EINTR) continue;
        if (p < 0) _exit(127);
        if (p == cmd) _exit(exit_code(st));
    }
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--run-as") == 0) return run_as(argc, argv);
    return client(argc, argv);
}
