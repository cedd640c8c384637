# The client of NetMigrationIT's redis test, run outside the job, speaking RESP on one connection kept open:
#   fill N SIZE : DEBUG POPULATE N keys of SIZE bytes, print "filled DBSIZE"
#   then PING every 10 ms until the file argv[5] exists; then DBSIZE and every key read back (MGET, 1000 at a time)
# Prints "port P" once connected and, at the end, "done port=P pings=N dbsize=D checked=K bad=B error=E".
import os, socket, sys, time
host, port, n, size, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
c = socket.create_connection((host, port), timeout=10)
c.settimeout(120)
f = c.makefile("rb")
local = c.getsockname()[1]
print("port", local, flush=True)

def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    c.sendall(out)
    return reply()

def reply():
    line = f.readline()
    if not line:
        raise ConnectionError("connection closed by the server")
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b":"):
        return rest
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b"*":
        return [reply() for _ in range(int(rest))]
    if kind == b"$":
        length = int(rest)
        if length < 0:
            return None
        data = f.read(length + 2)
        return data[:-2]
    raise RuntimeError("unexpected reply %r" % line)

pings, dbsize, checked, bad, error = 0, -1, 0, 0, ""
try:
    cmd("DEBUG", "POPULATE", n, "key", size)
    print("filled", int(cmd("DBSIZE")), flush=True)
    while not os.path.exists(stop):
        if cmd("PING") != b"PONG":
            bad += 1
        pings += 1
        time.sleep(0.01)
    dbsize = int(cmd("DBSIZE"))
    for start in range(0, n, 1000):
        ids = range(start, min(n, start + 1000))
        for i, v in zip(ids, cmd("MGET", *["key:%d" % i for i in ids])):
            checked += 1
            if v is None or len(v) != size or not v.startswith(b"value:%d" % i):
                bad += 1
except Exception as e:
    error = str(e) or type(e).__name__
print("done port=%d pings=%d dbsize=%d checked=%d bad=%d error=%s" % (c.getsockname()[1] if not error else local,
      pings, dbsize, checked, bad, error or "none"), flush=True)
