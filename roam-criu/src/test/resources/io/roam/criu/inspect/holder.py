# Holds one kind of file descriptor open, prints "ready", then sleeps. Used by JobInspectorIT.
import ctypes, os, socket, sys, time

libc = ctypes.CDLL(None, use_errno=True)
kind = sys.argv[1]
keep = []


def check(fd):
    if fd < 0:
        raise OSError(ctypes.get_errno(), kind + " failed")
    return fd


if kind == "device":
    fd = os.open(sys.argv[2], os.O_RDWR)
elif kind == "io_uring":
    fd = check(libc.syscall(425, 4, (ctypes.c_ubyte * 120)()))
elif kind == "perf_event":
    attr = (ctypes.c_ubyte * 128)()
    ctypes.memmove(attr, (ctypes.c_uint32 * 2)(1, 128), 8)  # PERF_TYPE_SOFTWARE, size 128, PERF_COUNT_SW_CPU_CLOCK
    fd = check(libc.syscall(298, attr, 0, -1, -1, 0))
elif kind == "userfaultfd":
    fd = check(libc.syscall(323, os.O_CLOEXEC))
elif kind == "unix":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[2])
    keep.append(s)
    fd = s.fileno()
elif kind == "socketpair":
    a, b = socket.socketpair()
    keep += [a, b]
    fd = a.fileno()
elif kind == "tcp":
    s = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    keep.append(s)
    fd = s.fileno()
elif kind == "tcp_loop":
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    client = socket.create_connection(server.getsockname())
    accepted, _ = server.accept()
    keep += [server, client, accepted]
    fd = client.fileno()
elif kind == "listen":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen()
    keep.append(s)
    fd = s.fileno()
    print("port", s.getsockname()[1], flush=True)
elif kind == "ghost":
    f = open(sys.argv[2], "wb")
    f.write(b"x" * int(sys.argv[3]))
    f.flush()
    os.unlink(sys.argv[2])
    keep.append(f)
    fd = f.fileno()
elif kind == "openpty":
    m, s = os.openpty()
    fd = m
elif kind == "write":
    fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT, 0o644)
else:
    raise SystemExit("unknown kind " + kind)
print("ready", fd, flush=True)
while True:
    time.sleep(60)
