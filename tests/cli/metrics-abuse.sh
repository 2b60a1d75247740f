#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Slow or idle HTTP clients cannot stop a scrape of daqsd's /metrics
# (--metrics-listen on loopback, where every client is 127.0.0.1, so a
# per-address limit would not help): with 300 connections that each sent
# half a request header and hold, a scrape (curl) still gets its 200 within
# 1 s; the slow ones are closed by the server after its 3 s timeout (all
# within 8 s). Prints the scrape time and when the slow ones were closed.
#   usage: metrics-abuse.sh PATH/TO/daqsd      (needs $DAQS_SRCDIR)
set -euo pipefail

daqsd=${1:?usage: metrics-abuse.sh PATH/TO/daqsd}
src=${DAQS_SRCDIR:?DAQS_SRCDIR must point at the source tree}
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$src/scripts/lib/report.sh"
command -v curl >/dev/null || skip "curl not installed"
command -v python3 >/dev/null || skip "python3 not installed"
tmp=$(mktemp -d)
daqsd_pid=''
slow_pid=''
finish() {
	local rc=$?
	reap "$slow_pid"
	reap "$daqsd_pid"
	rm -rf "$tmp"
	exit "$rc"
}
trap finish EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/sla.yaml" <<EOF
version: 1
links:
  - name: l0
    capacity: 1gbit
vms:
  - name: away
    class: guarantee
    min: 100mbit
    agent: $tmp/no-agent.sock
    interface: eth0
EOF
mkdir -m 700 "$tmp/state"
"$daqsd" --foreground --connect none --config "$tmp/sla.yaml" --socket "$tmp/daqsd.sock" \
	--state-dir "$tmp/state" --metrics-listen "127.0.0.1:$port" >"$tmp/daqsd.log" 2>&1 &
daqsd_pid=$!
scrape() { # sets code and ms
	local t0=$EPOCHREALTIME
	rm -f "$tmp/metrics"
	code=$(curl -s -o "$tmp/metrics" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/metrics" || true)
	ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
}
scraped() { scrape && [[ $code == 200 ]]; }
if ! wait_until 10 scraped; then
	fail "daqsd did not serve /metrics within 10 s: $(tail -3 "$tmp/daqsd.log" | tr '\n' ' ')"
	echo "$passed passed, $failed failed"
	exit 1
fi

# 300 connections, half a request header each, held up to 20 s; the helper
# prints "open N" once they are, then "closed K after S" as the server drops them
python3 -c 'import socket, sys, time, select
port, n = int(sys.argv[1]), int(sys.argv[2])
conns = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.send(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    conns.append(s)
t0 = time.monotonic()
print("open %d" % len(conns), flush=True)
closed = 0
while conns and time.monotonic() - t0 < 20:
    r, _, _ = select.select(conns, [], [], 0.2)
    for s in r:
        try:
            gone = not s.recv(4096)
        except OSError:
            gone = True
        if gone:
            conns.remove(s)
            s.close()
            closed += 1
print("closed %d after %.1f" % (closed, time.monotonic() - t0), flush=True)
time.sleep(20)' "$port" 300 >"$tmp/slow" 2>&1 &
slow_pid=$!
if wait_until 10 grep -q '^open' "$tmp/slow"; then
	scrape
	if [[ $code == 200 ]] && ((ms < 1000)); then
		pass "300 slow clients: a scrape answered 200 in $ms ms"
	else
		fail "300 slow clients: the scrape got '$code' after $ms ms (want 200 within 1 s)"
	fi
	if grep -qs '^daqs_cycles_total ' "$tmp/metrics"; then
		pass "and it has the metrics"
	else
		fail "no daqs_cycles_total in the scrape"
	fi
else
	fail "the slow clients did not connect: $(cat "$tmp/slow")"
fi
if wait_until 10 grep -q '^closed' "$tmp/slow" &&
	[[ $(sed -n 's/^closed \([0-9]*\) after \([0-9.]*\)$/\1 \2/p' "$tmp/slow") =~ ^300\ ([0-9.]+)$ ]] &&
	fcmp "${BASH_REMATCH[1]}" '<=' 8; then
	pass "the slow clients were closed by the server: $(grep '^closed' "$tmp/slow")"
else
	fail "the slow clients were not all closed within 8 s: $(tr '\n' ' ' <"$tmp/slow")"
fi
scrape
if [[ $code == 200 ]]; then pass "a scrape after them: 200 in $ms ms"; else fail "a scrape after them: '$code'"; fi
if kill -0 "$daqsd_pid" 2>/dev/null; then
	pass "daqsd still running"
else
	fail "daqsd exited: $(tail -3 "$tmp/daqsd.log" | tr '\n' ' ')"
fi
echo "$passed passed, $failed failed"
((failed == 0))
