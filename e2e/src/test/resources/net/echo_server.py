# A TCP echo server for NetMigrationIT: one connection at a time, echoes every byte back.
import socket, sys
port = int(sys.argv[1])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
s.listen()
print("listening", port, flush=True)
while True:
    c, peer = s.accept()
    print("connection from", peer, flush=True)
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.close()
