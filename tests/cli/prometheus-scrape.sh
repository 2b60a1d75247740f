#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A real Prometheus server (Debian's prometheus package, 2.42) scrapes a
# real daqsd's /metrics (--metrics-listen) every second, and its query API
# then shows:
#  1. the target up (up == 1: the scrape parsed, no scrape error);
#  2. daqs_cycles_total increasing: rate() over the scraped samples > 0;
#  3. a per-VM gauge with its labels and value in bytes/s
#     (daqs_vm_min_bytes_per_second of a 100mbit guarantee = 12500000);
#  4. a per-VM counter (daqs_vm_transmit_bytes_total) present, so increase()
#     works on it (0 here: the VM's agent is not there).
# No guest, no traffic: daqsd runs with --connect none and one VM whose agent
# socket does not exist. Both servers listen on 127.0.0.1 only, on free ports.
#   usage: prometheus-scrape.sh PATH/TO/daqsd      (needs $DAQS_SRCDIR; 77 without prometheus)
set -euo pipefail

daqsd=${1:?usage: prometheus-scrape.sh PATH/TO/daqsd}
src=${DAQS_SRCDIR:?DAQS_SRCDIR must point at the source tree}
# shellcheck source=../../scripts/lib/report.sh
. "$src/scripts/lib/report.sh"
command -v prometheus >/dev/null || skip "prometheus not installed (Debian package prometheus: scripts/install-deps)"
command -v python3 >/dev/null || skip "python3 not installed"
tmp=$(mktemp -d)
daqsd_pid=''
prom_pid=''
finish() {
	local rc=$?
	reap "$prom_pid"
	reap "$daqsd_pid"
	rm -rf "$tmp"
	exit "$rc"
}
trap finish EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mport=$(free_port)
pport=$(free_port)
cat >"$tmp/sla.yaml" <<EOF
version: 1
links:
  - name: l0
    capacity: 1gbit
controller:
  period: 200ms
vms:
  - name: away
    class: guarantee
    min: 100mbit
    agent: $tmp/no-agent.sock
    interface: eth0
EOF
mkdir "$tmp/state"
"$daqsd" --foreground --connect none --config "$tmp/sla.yaml" --socket "$tmp/daqsd.sock" \
	--state-dir "$tmp/state" --metrics-listen "127.0.0.1:$mport" >"$tmp/daqsd.log" 2>&1 &
daqsd_pid=$!
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: daqsd
    static_configs:
      - targets: ['127.0.0.1:$mport']
EOF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address="127.0.0.1:$pport" >"$tmp/prometheus.log" 2>&1 &
prom_pid=$!

# query PROMQL -> "<labels as JSON> <value>" per series, one a line (nothing on failure)
query() {
	python3 -c 'import json, sys, urllib.parse, urllib.request
u = "http://127.0.0.1:%s/api/v1/query?" % sys.argv[1] + urllib.parse.urlencode({"query": sys.argv[2]})
r = json.load(urllib.request.urlopen(u, timeout=2))
if r.get("status") != "success":
    sys.exit(1)
for s in r["data"]["result"]:
    m = {k: v for k, v in s["metric"].items() if k not in ("instance", "job")}
    print(json.dumps(m, sort_keys=True, separators=(",", ":")), s["value"][1])' "$pport" "$1" \
		>"$tmp/q.out" 2>"$tmp/q.err"
}
up() { query 'up{job="daqsd"}' && grep -qx '{"__name__":"up"} 1' "$tmp/q.out"; }
rising() { query 'rate(daqs_cycles_total[5s])' && awk 'NF == 2 && $2 + 0 > 0 { ok = 1 } END { exit !ok }' "$tmp/q.out"; }

if wait_until 30 up; then
	pass "prometheus scrapes daqsd: up{job=\"daqsd\"} == 1"
else
	fail "prometheus never saw daqsd up: $(tr '\n' ' ' <"$tmp/q.out") $(grep -i 'error\|warn' "$tmp/prometheus.log" | tail -3 | tr '\n' ' ')"
fi
if wait_until 20 rising; then
	pass "rate(daqs_cycles_total[5s]) > 0 ($(cut -d' ' -f2 "$tmp/q.out"))"
else
	fail "daqs_cycles_total does not rise in prometheus: $(tr '\n' ' ' <"$tmp/q.out")"
fi
want='{"__name__":"daqs_vm_min_bytes_per_second","class":"guarantee","link":"l0","vm":"away"} 12500000'
if query 'daqs_vm_min_bytes_per_second' && grep -qxF "$want" "$tmp/q.out"; then
	pass "a gauge with its labels, in bytes/s: $want"
else
	fail "no '$want' in: $(tr '\n' ' ' <"$tmp/q.out")"
fi
want='{"class":"guarantee","link":"l0","vm":"away"} 0'
if query 'increase(daqs_vm_transmit_bytes_total[5s])' && grep -qxF "$want" "$tmp/q.out"; then
	pass "increase() over a counter: $want (no agent, nothing sent)"
else
	fail "no '$want' in: $(tr '\n' ' ' <"$tmp/q.out")"
fi
if kill -0 "$daqsd_pid" 2>/dev/null; then
	pass "daqsd still running"
else
	fail "daqsd exited: $(tail -3 "$tmp/daqsd.log" | tr '\n' ' ')"
fi

echo "$passed passed, $failed failed"
((failed == 0))
