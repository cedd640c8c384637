# The bare pipeline's TCP relay (plain TCP, no TLS, no compression), used by MigrateBench.
#   relay.py recv PORT          accept one connection on PORT, copy it to stdout
#   relay.py send HOST PORT     copy stdin to HOST:PORT (retries the connect for 30 s)
#   relay.py zero HOST PORT N   send N zero bytes to HOST:PORT
#   relay.py sink PORT          accept one connection on PORT, discard it, print the bytes and seconds
#   relay.py tofile PORT PATH   accept one connection on PORT, write it to a new file PATH, print the bytes and seconds
#   relay.py file HOST PORT PATH      send the file PATH: read into a 1 MiB buffer, then send (what any sender that
#                                     seals or checks the bytes in user space must at least do)
#   relay.py sendfile HOST PORT PATH  send the file PATH with sendfile(2): no copy through user space
import os, socket, sys, time
BUF = 1 << 20
mode = sys.argv[1]
if mode in ("recv", "sink", "tofile"):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    s.listen(1)
    print("listening", file=sys.stderr, flush=True)
    c, _ = s.accept()
    buf = bytearray(BUF)
    view = memoryview(buf)
    n, t0 = 0, time.monotonic()
    out = open(sys.argv[3], "wb", buffering=0) if mode == "tofile" else sys.stdout.buffer
    while True:
        k = c.recv_into(buf)
        if k == 0:
            break
        n += k
        if mode != "sink":
            out.write(view[:k])
    out.flush()
    if mode == "tofile":
        out.close()
    if mode in ("sink", "tofile"):
        print(n, time.monotonic() - t0, flush=True)
else:
    host, port = sys.argv[2], int(sys.argv[3])
    deadline = time.monotonic() + 30
    while True:
        try:
            c = socket.create_connection((host, port))
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    if mode == "zero":
        left, zeros = int(sys.argv[4]), bytes(BUF)
        while left > 0:
            c.sendall(zeros[:min(BUF, left)])
            left -= min(BUF, left)
    elif mode == "sendfile":
        with open(sys.argv[4], "rb") as f:
            c.sendfile(f)
    elif mode == "file":
        fd, buf = os.open(sys.argv[4], os.O_RDONLY), bytearray(BUF)
        while True:
            k = os.readv(fd, [buf])
            if k == 0:
                break
            c.sendall(memoryview(buf)[:k])
        os.close(fd)
    else:
        inp = sys.stdin.buffer.raw
        while True:
            b = inp.read(BUF)
            if not b:
                break
            c.sendall(b)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    c.close()
