#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Scripted fake qemu-guest-agent on a unix-listen socket, for the failure
cases a real qemu-ga does not produce. Standard library only.

    fake_agent.py SOCKET SCENARIO [IDLOG]

Serves one client at a time (as qemu-ga does) until killed. A leading 0xFF
is answered like qemu-ga 7.2: a GenericError "stray" line; guest-sync-delimited
gets "\\xff{"return": ID}\\n" (each id is appended to IDLOG if given); any other
request gets {"return": {}} unless the scenario says otherwise:

  ok              well-behaved
  garbage         junk (text, newlines, half JSON) before the sync sentinel
  wrong-id        sync answered with ID + 1
  oversize        request answered with a line over 4 MiB
  split           sync and request replies written a few bytes at a time
  eof-no-newline  request answered with half a line, then the connection closed
  silent          sync answered, requests never answered
  silent-sync     nothing ever answered
  error           request answered with a CommandNotFound error object whose
                  desc holds a newline and an escape sequence
  not-json        request answered with a line that is not JSON
  two-lines       request answered with its reply plus an unsolicited line
  close-each      connection closed after every reply
Hostile guests (tests/integration/adversarial.sh); each answers guest-info
with guest-exec enabled and guest-network-get-interfaces with eth0 unless
said otherwise:
  iface-flood     get-interfaces answered with a line of 4 MiB - 16 bytes of [{},{},...]
  iface-10k       get-interfaces answered with 10,000 valid interfaces
  backwards       eth0's counters go backwards at every sample
  exec-flood      guest-exec-status answers with 3 MiB of base64 output
  unsolicited     every reply followed by 2,000 unsolicited reply lines
"""
import base64
import json
import os
import socket
import sys
import time

MAX_REPLY = 4 << 20
STRAY = b'{"error": {"class": "GenericError", "desc": "JSON parse error, stray \'\\uFFFD\'"}}\n'


def send_split(conn, data, step=3):
    for i in range(0, len(data), step):
        conn.sendall(data[i:i + step])
        time.sleep(0.002)


def sync_reply(scenario, conn, ident, idlog):
    if idlog:
        with open(idlog, "a") as f:
            f.write("%d\n" % ident)
    if scenario == "silent-sync":
        return
    if scenario == "wrong-id":
        ident += 1
    data = b"\xff" + json.dumps({"return": ident}).encode() + b"\n"
    if scenario == "garbage":
        conn.sendall(b"hello\n{\"return\": 1}\n{\"retu\x00rn\n\x01\x02 junk")
    if scenario == "split":
        send_split(conn, data, 1)
    else:
        conn.sendall(data)


HOSTILE = ("iface-flood", "iface-10k", "backwards", "exec-flood", "unsolicited")
COUNT = [10 ** 9]


def iface(name, tx):
    return {"name": name, "hardware-address": "52:54:00:00:00:01",
            "ip-addresses": [{"ip-address": "198.18.9.1", "ip-address-type": "ipv4",
                              "prefix": 24}],
            "statistics": {k: tx for k in ("rx-bytes", "rx-packets", "rx-errs", "rx-dropped",
                                           "tx-bytes", "tx-packets", "tx-errs",
                                           "tx-dropped")}}


def hostile_return(scenario, execute):
    """The "return" value (bytes of JSON) a hostile guest sends for execute."""
    if execute == "guest-info":
        cmds = ["guest-ping", "guest-sync-delimited", "guest-network-get-interfaces",
                "guest-exec", "guest-exec-status", "guest-file-open", "guest-file-read",
                "guest-file-close"]
        return json.dumps({"version": "7.2.22", "supported_commands": [
            {"name": c, "enabled": True, "success-response": True} for c in cmds]}).encode()
    if execute == "guest-network-get-interfaces":
        if scenario == "iface-flood":
            # the whole line just under the 4 MiB the transport took before
            return b"[" + b"{}," * (((4 << 20) - 32) // 3) + b"{}]"
        if scenario == "iface-10k":
            return json.dumps([iface("e%d" % i, i) for i in range(10000)]).encode()
        COUNT[0] += 10 ** 6 if scenario != "backwards" else -10 ** 6
        return json.dumps([iface("eth0", COUNT[0])]).encode()
    if execute == "guest-exec":
        return b'{"pid": 4242}'
    if execute == "guest-exec-status":
        out = base64.b64encode(b"x" * (3 << 20) if scenario == "exec-flood" else b"")
        return b'{"exited": true, "exitcode": 0, "out-data": "' + out + b'"}'
    return b"{}"


def request_reply(scenario, conn, execute=None):
    """Answer a non-sync request; False means close the connection."""
    if scenario in HOSTILE:
        conn.sendall(b'{"return": ' + hostile_return(scenario, execute) + b'}\n')
        if scenario == "unsolicited":
            conn.sendall(b'{"return": {}}\n' * 2000)
        return True
    if scenario in ("silent", "silent-sync"):
        return True
    if scenario == "oversize":
        conn.sendall(b'{"return": "' + b"x" * (MAX_REPLY + 100) + b'"}\n')
    elif scenario == "eof-no-newline":
        conn.sendall(b'{"return": {"na')
        return False
    elif scenario == "error":
        # control characters the transport must not copy into a log line
        conn.sendall(b'{"error": {"class": "CommandNotFound", '
                     b'"desc": "no such\\nthing\\u001b[31m"}}\n')
    elif scenario == "not-json":
        conn.sendall(b"this is not json\n")
    elif scenario == "split":
        send_split(conn, b'{"return": {"split": "across several writes"}}\n')
    elif scenario == "two-lines":
        conn.sendall(b'{"return": {}}\n{"return": "unsolicited"}\n')
    else:
        conn.sendall(b'{"return": {}}\n')
    return scenario != "close-each"


def handle_line(scenario, conn, line, idlog):
    try:
        req = json.loads(line)
    except ValueError:
        conn.sendall(b'{"error": {"class": "GenericError", "desc": "JSON parse error"}}\n')
        return True
    if req.get("execute") == "guest-sync-delimited":
        sync_reply(scenario, conn, req["arguments"]["id"], idlog)
        return True
    return request_reply(scenario, conn, req.get("execute"))


def serve(scenario, conn, idlog):
    buf = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return
        buf += data
        if b"\xff" in buf:
            buf = buf[buf.rindex(b"\xff") + 1:]
            if scenario != "silent-sync":
                conn.sendall(STRAY)
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if not handle_line(scenario, conn, line, idlog):
                return


def main():
    if len(sys.argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    path, scenario = sys.argv[1], sys.argv[2]
    idlog = sys.argv[3] if len(sys.argv) == 4 else None
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    while True:
        conn, _ = srv.accept()
        try:
            serve(scenario, conn, idlog)
        except (BrokenPipeError, ConnectionResetError):
            pass
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
