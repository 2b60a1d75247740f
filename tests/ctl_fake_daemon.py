#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A fake daqsd control socket for daqsctl's CLI test. Standard library only.

    ctl_fake_daemon.py SOCKET REPLIES LOG [LIFETIME_S]

Listens on the unix stream socket SOCKET. Every request line received is
appended verbatim to LOG (one line each, as received) and answered with the
next line of the file REPLIES (the last line is repeated once they run out).
Two reply lines are special:

  @silent   read the request, never answer (the client must time out)
  @close    read the request, close the connection without a reply

Serves one connection at a time, any number of requests per connection, and
exits by itself after LIFETIME_S seconds (default 30) even if nobody connects,
so a test that forgets it cannot leave it running for long.
"""
import os
import socket
import sys
import time


def serve(conn, replies, state, log, deadline):
    buf = b""
    while time.monotonic() < deadline:
        conn.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = conn.recv(65536)
        except (socket.timeout, ConnectionError):
            return
        if not chunk:
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            with open(log, "ab") as f:
                f.write(line + b"\n")
            reply = replies[min(state["next"], len(replies) - 1)]
            state["next"] += 1
            if reply == b"@close":
                return
            if reply == b"@silent":
                continue
            conn.sendall(reply + b"\n")


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: ctl_fake_daemon.py SOCKET REPLIES LOG [LIFETIME_S]")
    path, replies_file, log = sys.argv[1:4]
    lifetime = float(sys.argv[4]) if len(sys.argv) == 5 else 30.0
    deadline = time.monotonic() + lifetime
    with open(replies_file, "rb") as f:
        replies = [ln.rstrip(b"\n") for ln in f if ln.strip()]
    if not replies:
        sys.exit("ctl_fake_daemon.py: no replies in " + replies_file)
    state = {"next": 0}
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    try:
        while time.monotonic() < deadline:
            srv.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                continue
            with conn:
                serve(conn, replies, state, log, deadline)
    finally:
        srv.close()
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


if __name__ == "__main__":
    main()
