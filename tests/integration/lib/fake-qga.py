#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A scripted guest agent for fault injection (scripts/faults): listens on a
unix socket like `qemu-ga -m unix-listen`, answers what daqsd asks, and
misbehaves the way the mode file says, read again at every request:

  ok          sane replies; guest-exec disabled in guest-info (the guest is
              agent-limited: daqsd samples it, never runs anything in it);
              one interface with the given MAC whose counters grow at RATE
              bytes/s
  garbage     every reply is a line that is not JSON
  truncated   half a reply line, then the connection is closed
  oversize    one reply line of 5 MiB (daqsd's bound is 4 MiB)
  wrongsync   guest-sync-delimited is answered with another id (any other
              request closes the connection, so the client resynchronises)
  silent      requests are read and never answered
  longname    the interface is called 'eth0-much-too-long-for-ifnamsiz'
  metachar    the interface is called 'e$(reboot)'

  usage: fake-qga.py SOCKET MODE_FILE MAC RATE LOG

Every request line is appended to LOG. Runs until killed. No JSON is
hand-parsed: json.loads / json.dumps.
"""
import json
import os
import socket
import sys
import threading
import time

sock_path, mode_file, mac, rate, log_path = sys.argv[1:6]
rate = float(rate)
t0 = time.monotonic()
log_lock = threading.Lock()


def mode():
    try:
        with open(mode_file) as f:
            return f.read().strip() or "ok"
    except OSError:
        return "ok"


def log(line):
    with log_lock, open(log_path, "a") as f:
        f.write(line + "\n")


def ifname(m):
    return {"longname": "eth0-much-too-long-for-ifnamsiz", "metachar": "e$(reboot)"}.get(m, "eth0")


def answer(req, m):
    cmd = req.get("execute", "")
    args = req.get("arguments") or {}
    if cmd in ("guest-sync-delimited", "guest-sync"):
        i = args.get("id", 0)
        if m == "wrongsync":
            i += 1
        return (b"\xff" if cmd == "guest-sync-delimited" else b"") + \
            json.dumps({"return": i}).encode() + b"\n"
    if cmd == "guest-ping":
        ret = {}
    elif cmd == "guest-info":
        ret = {"version": "7.2.22", "supported_commands": [
            {"name": n, "enabled": n not in ("guest-exec", "guest-exec-status"),
             "success-response": True}
            for n in ("guest-ping", "guest-info", "guest-sync-delimited", "guest-exec",
                      "guest-exec-status", "guest-network-get-interfaces",
                      "guest-file-open", "guest-file-read", "guest-file-close")]}
    elif cmd == "guest-network-get-interfaces":
        b = int(rate * (time.monotonic() - t0))
        ret = [{"name": "lo", "hardware-address": "00:00:00:00:00:00",
                "ip-addresses": [{"ip-address-type": "ipv4", "ip-address": "127.0.0.1",
                                  "prefix": 8}],
                "statistics": {k: 0 for k in ("rx-bytes", "rx-packets", "rx-errs",
                                              "rx-dropped", "tx-bytes", "tx-packets",
                                              "tx-errs", "tx-dropped")}},
               {"name": ifname(m), "hardware-address": mac,
                "ip-addresses": [{"ip-address-type": "ipv4", "ip-address": "198.18.65.2",
                                  "prefix": 24}],
                "statistics": {"rx-bytes": b // 20, "rx-packets": b // 20 // 66,
                               "rx-errs": 0, "rx-dropped": 0, "tx-bytes": b,
                               "tx-packets": b // 1514, "tx-errs": 0, "tx-dropped": 0}}]
    else:
        return json.dumps({"error": {"class": "CommandNotFound",
                                     "desc": "The command %s has not been found" % cmd}}
                          ).encode() + b"\n"
    return json.dumps({"return": ret}).encode() + b"\n"


def serve(conn):
    buf = b""
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            buf += data.replace(b"\xff", b"")
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if not line.strip():
                    continue
                m = mode()
                log("%s %s" % (m, line.decode(errors="replace")))
                try:
                    req = json.loads(line)
                except ValueError:
                    continue
                if m == "silent":
                    continue
                if m == "wrongsync" and not req.get("execute", "").startswith("guest-sync"):
                    return  # close: the client reconnects, and its handshake gets the wrong id
                if m == "garbage":
                    conn.sendall(b"this is not JSON {\n")
                elif m == "truncated":
                    conn.sendall(answer(req, "ok")[:7])
                    return
                elif m == "oversize" and not req.get("execute", "").startswith("guest-sync"):
                    conn.sendall(b'{"return": "' + b"x" * (5 << 20) + b'"}\n')
                else:
                    conn.sendall(answer(req, m))
    except OSError:
        return
    finally:
        conn.close()


def main():
    try:
        os.unlink(sock_path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(4)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
