# The client of NetMigrationIT, run outside the job: one connection, a numbered message every 10 ms, each echo checked.
# Prints "port P" once connected; stops when the file argv[3] exists and prints one summary line:
# "done sent=N port=P errors=E maxgap=S" (E: messages that came back wrong, or the exception that ended it).
import os, socket, sys, time
host, port, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = socket.create_connection((host, port), timeout=10)
c.settimeout(60)
local = c.getsockname()[1]
print("port", local, flush=True)
sent, errors, maxgap, last = 0, 0, 0.0, time.time()
try:
    while not os.path.exists(stop):
        msg = ("%010d\n" % sent).encode()
        c.sendall(msg)
        got = b""
        while len(got) < len(msg):
            chunk = c.recv(len(msg) - len(got))
            if not chunk:
                raise ConnectionError("connection closed by the server")
            got += chunk
        if got != msg:
            errors += 1
        now = time.time()
        maxgap = max(maxgap, now - last)
        last = now
        sent += 1
        time.sleep(0.01)
    print("done sent=%d port=%d errors=%d maxgap=%.3f" % (sent, c.getsockname()[1], errors, maxgap), flush=True)
except Exception as e:
    print("done sent=%d port=%d errors=%r maxgap=%.3f" % (sent, local, str(e), maxgap), flush=True)
