#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Misbehaving control-socket clients for tests/cli/ctl-abuse.sh (run as a
non-root member of the socket's group). Each mode is bounded in time and
prints one line of key=value results.

  halfopen SOCK N HOLD_S   open N connections, send one byte on each, hold
                           them HOLD_S seconds (or until killed);
                           prints held=K refused=R (R: EBUSY or closed at once)
  pipeline SOCK MAX_S      send {"cmd":"status"} lines as fast as the socket
                           takes them, never reading, for at most MAX_S;
                           prints dropped=1 after=SECONDS sent=BYTES, or
                           dropped=0 after MAX_S
  halfline SOCK MAX_S      send half a request line and wait for the daemon
                           to close: dropped=1 after=SECONDS or dropped=0
  lines SOCK N TEXT        send TEXT as one line N times, read N replies:
                           prints codes=C1,C2,... closed=0|1
"""
import select
import socket
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def halfopen(path, n, hold):
    conns, refused = [], 0
    for _ in range(n):
        try:
            s = connect(path)
            s.send(b"{")
            conns.append(s)
        except OSError:
            refused += 1
    time.sleep(0.5)
    held = []
    for s in conns:  # a refused one got its EBUSY line and EOF already
        r, _, _ = select.select([s], [], [], 0)
        if r:
            refused += 1
            s.close()
        else:
            held.append(s)
    print("held=%d refused=%d" % (len(held), refused), flush=True)
    time.sleep(hold)  # the test kills us sooner when done
    for s in held:
        s.close()


def pipeline(path, max_s):
    s = connect(path)
    s.setblocking(False)
    line = b'{"cmd":"status"}\n' * 64
    sent, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < max_s:
        _, w, _ = select.select([], [s], [], 0.2)
        if not w:
            continue
        try:
            sent += s.send(line)
        except BlockingIOError:
            continue
        except OSError:  # EPIPE / ECONNRESET: the daemon dropped us
            print("dropped=1 after=%.1f sent=%d" % (time.monotonic() - t0, sent))
            return
    print("dropped=0 after=%.1f sent=%d" % (time.monotonic() - t0, sent))


def halfline(path, max_s):
    s = connect(path)
    s.send(b'{"cmd":')
    t0 = time.monotonic()
    while time.monotonic() - t0 < max_s:
        r, _, _ = select.select([s], [], [], 0.2)
        if r and not s.recv(4096):
            print("dropped=1 after=%.1f" % (time.monotonic() - t0))
            return
    print("dropped=0 after=%.1f" % (time.monotonic() - t0))


def lines(path, n, text):
    s = connect(path)
    s.settimeout(5)
    f = s.makefile("rb")
    codes = []
    for _ in range(n):
        try:
            s.sendall(text.encode() + b"\n")
        except OSError:
            break
        reply = f.readline()
        if not reply:
            break
        code = reply.split(b'"code":"')[1].split(b'"')[0] if b'"code":"' in reply else b"ok"
        codes.append(code.decode())
    s.settimeout(1)
    try:
        closed = int(f.readline() == b"")
    except ConnectionResetError:  # closed with our unread bytes in its queue
        closed = 1
    except OSError:  # timeout: still open
        closed = 0
    print("codes=%s closed=%d" % (",".join(codes), closed))


mode, sock = sys.argv[1], sys.argv[2]
if mode == "halfopen":
    halfopen(sock, int(sys.argv[3]), float(sys.argv[4]))
elif mode == "pipeline":
    pipeline(sock, float(sys.argv[3]))
elif mode == "halfline":
    halfline(sock, float(sys.argv[3]))
elif mode == "lines":
    lines(sock, int(sys.argv[3]), sys.argv[4])
else:
    sys.exit("unknown mode " + mode)
