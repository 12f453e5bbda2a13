#!/usr/bin/env python3
"""serve_client.py - a small client of bouncekit serve's Postfix protocols
for the tests (python3 standard library only).

  serve_client.py socketmap HOST:PORT NAME KEY...   one "NAME KEY" netstring
                                                      per KEY on one connection;
                                                      prints each reply's data
  serve_client.py policy HOST:PORT RECIPIENT...     one policy request per
                                                      recipient; prints each action
  serve_client.py raw HOST:PORT HEX                 send bytes, print what comes
                                                      back until the server closes
                                                      (or 2 s), then "closed"/"open"
  serve_client.py slow HOST:PORT NAME KEY           send one netstring a byte at a time
  serve_client.py flips HOST:PORT HTTP_HOST:PORT TOKEN N
                                                    N times: suppress an address by
                                                    HTTP, ask the socketmap and the
                                                    HTTP API about it at once, lift
                                                    it, ask again; prints each wrong
                                                    answer, then "N flips"
"""
import http.client
import socket
import sys
import time


def connect(spec):
    host, port = spec.rsplit(":", 1)
    s = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
    return s


def netstring(b):
    return str(len(b)).encode() + b":" + b + b","


def read_netstring(f):
    n = b""
    while True:
        c = f.read(1)
        if not c:
            raise EOFError("connection closed")
        if c == b":":
            break
        n += c
    data = f.read(int(n))
    if f.read(1) != b",":
        raise ValueError("no comma")
    return data


def socketmap(spec, name, keys, slow=False):
    s = connect(spec)
    f = s.makefile("rb")
    for k in keys:
        req = netstring(name.encode() + b" " + k.encode())
        if slow:
            for i in range(len(req)):
                s.sendall(req[i:i + 1])
                time.sleep(0.01)
        else:
            s.sendall(req)
        print(read_netstring(f).decode())
    s.close()


def policy(spec, recipients):
    s = connect(spec)
    f = s.makefile("rb")
    for r in recipients:
        s.sendall(("request=smtpd_access_policy\nprotocol_state=RCPT\n"
                   "protocol_name=ESMTP\nclient_address=127.0.0.1\n"
                   "sender=sender@example.org\nrecipient=%s\n\n" % r).encode())
        lines = []
        while True:
            line = f.readline()
            if not line:
                raise EOFError("connection closed")
            if line == b"\n":
                break
            lines.append(line.decode().rstrip("\n"))
        print(" ".join(lines))
    s.close()


def raw(spec, data):
    s = connect(spec)
    s.settimeout(2)
    s.sendall(data)
    got = b""
    state = "open"
    try:
        while True:
            b = s.recv(4096)
            if not b:
                state = "closed"
                break
            got += b
    except (socket.timeout, ConnectionResetError):
        pass
    print(got.decode(errors="replace"))
    print(state)


def flips(spec, http_spec, token, n):
    s = connect(spec)
    f = s.makefile("rb")
    host, port = http_spec.rsplit(":", 1)
    writer = http.client.HTTPConnection(host, int(port), timeout=5)
    reader = http.client.HTTPConnection(host, int(port), timeout=5)

    def ask(addr):
        s.sendall(netstring(b"suppressed " + addr.encode()))
        smap = read_netstring(f).decode().split(" ")[0]
        reader.request("GET", "/v1/suppressions/" + addr)
        body = reader.getresponse().read().decode()
        return smap, '"suppressed":true' in body

    def write(method, addr):
        writer.request(method, "/v1/suppressions/" + addr,
                       headers={"Authorization": "Bearer " + token})
        r = writer.getresponse()
        r.read()
        if r.status != 200:
            print("%s %s: HTTP %d" % (method, addr, r.status))

    for i in range(200):  # enough lookups for every handle to use its snapshot
        ask("warm%d@example.com" % i)
    for i in range(n):
        addr = "flip%d@example.com" % i
        write("PUT", addr)
        got = ask(addr)
        if got != ("OK", True):
            print("%s after PUT: socketmap %s, HTTP suppressed %s" % (addr, got[0], got[1]))
        write("DELETE", addr)
        got = ask(addr)
        if got != ("NOTFOUND", False):
            print("%s after DELETE: socketmap %s, HTTP suppressed %s" % (addr, got[0], got[1]))
    print("%d flips" % n)
    s.close()


def main():
    cmd, spec = sys.argv[1], sys.argv[2]
    if cmd == "socketmap":
        socketmap(spec, sys.argv[3], sys.argv[4:])
    elif cmd == "slow":
        socketmap(spec, sys.argv[3], sys.argv[4:], slow=True)
    elif cmd == "policy":
        policy(spec, sys.argv[3:])
    elif cmd == "flips":
        flips(spec, sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif cmd == "raw":
        raw(spec, bytes.fromhex(sys.argv[3]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
