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
"""
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


def main():
    cmd, spec = sys.argv[1], sys.argv[2]
    if cmd == "socketmap":
        socketmap(spec, sys.argv[3], sys.argv[4:])
    elif cmd == "slow":
        socketmap(spec, sys.argv[3], sys.argv[4:], slow=True)
    elif cmd == "policy":
        policy(spec, sys.argv[3:])
    elif cmd == "raw":
        raw(spec, bytes.fromhex(sys.argv[3]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
