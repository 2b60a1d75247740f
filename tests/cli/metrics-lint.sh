#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The metrics follow Prometheus conventions as Prometheus's own linter reads
# them: `promtool check metrics` (Debian's prometheus package) says nothing
# and exits 0 on
#  1. `daqsctl metrics` over a status with a value in every family
#     (tests/data/ctl/status-reply.json from a fake daemon), and
#  2. what a real daqsd serves on /metrics (--metrics-listen), fetched over
#     HTTP, with a VM whose agent is not there (families without samples);
# and the Grafana dashboard (daemon/daqs-grafana.json): promtool parses all
# its PromQL (check rules) and it names only families daqsctl metrics has.
# The linter is first shown to fail on a bit-rate gauge, so a promtool that
# lints nothing cannot pass this test; and the sample values are checked
# against the status in base units (bytes per second = bit/s / 8; the byte,
# packet and limit-change counters as they are, of TYPE counter).
# No VF pool here: its families (daqs_vf_*) need libvirt hot-plug.
#   usage: metrics-lint.sh PATH/TO/daqsd PATH/TO/daqsctl     (needs $DAQS_SRCDIR)
set -euo pipefail

daqsd=${1:?usage: metrics-lint.sh PATH/TO/daqsd PATH/TO/daqsctl}
ctl=${2:?usage: metrics-lint.sh PATH/TO/daqsd PATH/TO/daqsctl}
src=${DAQS_SRCDIR:?DAQS_SRCDIR must point at the source tree}
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$src/scripts/lib/report.sh"
command -v promtool >/dev/null || skip "promtool not installed (Debian package prometheus: scripts/install-deps)"
command -v python3 >/dev/null || skip "python3 not installed"
tmp=$(mktemp -d)
fake_pid=''
daqsd_pid=''
finish() {
	local rc=$?
	reap "$fake_pid"
	reap "$daqsd_pid"
	rm -rf "$tmp"
	exit "$rc"
}
trap finish EXIT

lint() { # FILE: promtool says nothing and exits 0
	promtool check metrics <"$1" >"$tmp/lint.out" 2>&1 && [[ ! -s $tmp/lint.out ]]
}

# ---- the linter lints ----
printf '# HELP x_bits_per_second A bit rate.\n# TYPE x_bits_per_second gauge\nx_bits_per_second 8\n' >"$tmp/bad.prom"
if lint "$tmp/bad.prom"; then
	fail "promtool accepted a bit-rate gauge: it does not lint"
else
	pass "promtool refuses a bit-rate gauge: $(head -1 "$tmp/lint.out")"
fi

# ---- 1: daqsctl metrics over a full status ----
head -1 "$src/tests/data/ctl/status-reply.json" >"$tmp/replies"
python3 "$src/tests/ctl_fake_daemon.py" "$tmp/fake.sock" "$tmp/replies" "$tmp/fake.log" 30 &
fake_pid=$!
wait_until 5 test -S "$tmp/fake.sock" || { echo "metrics-lint.sh: fake daemon did not start" >&2; exit 1; }
"$ctl" --socket "$tmp/fake.sock" metrics >"$tmp/ctl.prom"
if lint "$tmp/ctl.prom"; then
	pass "daqsctl metrics: promtool check metrics clean ($(grep -c '^daqs_' "$tmp/ctl.prom") samples, $(grep -c '^# TYPE' "$tmp/ctl.prom") families)"
else
	fail "daqsctl metrics: promtool says: $(head -5 "$tmp/lint.out" | tr '\n' ' ')"
fi
if grep -E '^# TYPE' "$tmp/ctl.prom" | grep -q '_bits'; then
	fail "a family is still in bits: $(grep -E '^# TYPE .*_bits' "$tmp/ctl.prom" | head -1)"
else
	pass "no family in bits"
fi
# every rate is the status's bit rate / 8 (web-1: tx 9850000000 bit/s, limit 30000000000)
want='daqs_vm_tx_bytes_per_second{vm="web-1",class="guarantee",link="uplink0"} 1231250000'
if grep -qxF "$want" "$tmp/ctl.prom"; then pass "tx in bytes/s: $want"; else fail "no '$want'"; fi
want='daqs_vm_limit_bytes_per_second{vm="web-1",class="guarantee",link="uplink0"} 3750000000'
if grep -qxF "$want" "$tmp/ctl.prom"; then pass "limit in bytes/s: $want"; else fail "no '$want'"; fi
want='daqs_link_capacity_bytes_per_second{link="uplink0"} 5000000000'
if grep -qxF "$want" "$tmp/ctl.prom"; then pass "capacity in bytes/s: $want"; else fail "no '$want'"; fi
# every counter is the status's integer as it is (bytes, packets, changes), TYPE counter
python3 -c 'import json, sys
st = json.load(open(sys.argv[1]))["status"]
fams = {"tx_bytes": "transmit_bytes", "rx_bytes": "receive_bytes",
        "tx_packets": "transmit_packets", "rx_packets": "receive_packets",
        "limit_changes": "limit_changes"}
for key, fam in fams.items():
    for v in st["vms"]:
        print("daqs_vm_%s_total{vm=\"%s\",class=\"%s\",link=\"%s\"} %d"
              % (fam, v["name"], v["cls"], v["link"], v[key]))
for l in st["links"]:
    print("daqs_link_transmit_bytes_total{link=\"%s\"} %d" % (l["name"], l["tx_bytes"]))' \
	"$src/tests/data/ctl/status-reply.json" >"$tmp/counters.want"
for fam in daqs_vm_{transmit,receive}_{bytes,packets}_total daqs_vm_limit_changes_total \
	daqs_link_transmit_bytes_total; do
	grep -F "$fam{" "$tmp/counters.want" >"$tmp/fam.want"
	grep -F "$fam{" "$tmp/ctl.prom" >"$tmp/fam.got" || true
	if ! grep -qxF "# TYPE $fam counter" "$tmp/ctl.prom"; then
		fail "$fam: no '# TYPE $fam counter'"
	elif ! cmp -s "$tmp/fam.want" "$tmp/fam.got"; then
		fail "$fam: samples differ from the status: $(diff "$tmp/fam.want" "$tmp/fam.got" | tr '\n' ' ')"
	else
		pass "$fam: a counter, $(wc -l <"$tmp/fam.got") samples as in the status ($(head -1 "$tmp/fam.got"))"
	fi
done

# ---- the Grafana dashboard (daemon/daqs-grafana.json) asks for those families only ----
# Its PromQL, with Grafana's variables put in, goes into a recording-rules file
# for promtool check rules (which parses every expression); every daqs_* name
# in it must be a family `daqsctl metrics` has.
# shellcheck disable=SC2016 # a python program, not shell
python3 -c 'import json, re, sys
d = json.load(open(sys.argv[1]))
exprs = [t["expr"] for p in d["panels"] for t in p["targets"]]
exprs += [v["definition"] for v in d["templating"]["list"] if v["type"] == "query"]
sub = lambda e: e.replace("$__rate_interval", "1m").replace("$link", ".*").replace("$vm", ".*")
with open(sys.argv[2], "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(x for x in exprs if not x.startswith("label_values")):
        f.write("      - record: dashboard:expr%d\n        expr: %s\n" % (i, json.dumps(sub(e))))
    for e in exprs:
        m = re.match(r"label_values\((.*), *\w+\)$", e)
        if m:
            f.write("      - record: dashboard:var%d\n        expr: %s\n" % (len(exprs), json.dumps(sub(m.group(1)))))
names = sorted({n for e in exprs for n in re.findall(r"\bdaqs_[a-z_]+", e)})
open(sys.argv[3], "w").write("\n".join(names) + "\n")' \
	"$src/daemon/daqs-grafana.json" "$tmp/dash-rules.yml" "$tmp/dash-names"
if promtool check rules "$tmp/dash-rules.yml" >"$tmp/rules.out" 2>&1; then
	pass "grafana dashboard: promtool parses its $(grep -c 'expr:' "$tmp/dash-rules.yml") expressions"
else
	fail "grafana dashboard: promtool check rules says: $(tail -3 "$tmp/rules.out" | tr '\n' ' ')"
fi
missing=$(while read -r n; do grep -qE "^# TYPE $n (gauge|counter)\$" "$tmp/ctl.prom" || echo "$n"; done <"$tmp/dash-names")
if [[ -z $missing ]]; then
	pass "grafana dashboard: its $(wc -l <"$tmp/dash-names") families are all exported"
else
	fail "grafana dashboard: not families of daqsctl metrics: $(echo "$missing" | tr '\n' ' ')"
fi

# ---- 2: a real daqsd's /metrics over HTTP ----
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
mkdir "$tmp/state"
"$daqsd" --foreground --connect none --config "$tmp/sla.yaml" --socket "$tmp/daqsd.sock" \
	--state-dir "$tmp/state" --metrics-listen "127.0.0.1:$port" >"$tmp/daqsd.log" 2>&1 &
daqsd_pid=$!
fetch() {
	python3 -c 'import sys, urllib.request
r = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=2)
sys.stdout.write(r.headers.get("Content-Type") + "\n")
sys.stdout.write(r.read().decode())' "$port" >"$tmp/http.out" 2>/dev/null
}
cycled() { fetch && grep -qE '^daqs_cycles_total [1-9]' "$tmp/http.out"; }
if wait_until 5 cycled; then
	head -1 "$tmp/http.out" >"$tmp/http.type"
	tail -n +2 "$tmp/http.out" >"$tmp/http.prom"
	pass "daqsd serves /metrics ($(cat "$tmp/http.type"))"
	if lint "$tmp/http.prom"; then
		pass "daqsd /metrics: promtool check metrics clean ($(grep -c '^daqs_' "$tmp/http.prom") samples, $(grep -c '^# TYPE' "$tmp/http.prom") families)"
	else
		fail "daqsd /metrics: promtool says: $(head -5 "$tmp/lint.out" | tr '\n' ' ')"
	fi
	want='daqs_vm_min_bytes_per_second{vm="away",class="guarantee",link="l0"} 12500000'
	if grep -qxF "$want" "$tmp/http.prom"; then pass "min in bytes/s: $want"; else fail "no '$want'"; fi
	# nothing measured, nothing put in force: the counters are there, at 0
	for want in 'daqs_vm_transmit_bytes_total{vm="away",class="guarantee",link="l0"} 0' \
		'daqs_vm_limit_changes_total{vm="away",class="guarantee",link="l0"} 0' \
		'daqs_link_transmit_bytes_total{link="l0"} 0'; do
		if grep -qxF "$want" "$tmp/http.prom"; then pass "counter at 0: $want"; else fail "no '$want'"; fi
	done
else
	fail "daqsd did not serve /metrics with a cycle done within 5 s: $(tail -3 "$tmp/daqsd.log" | tr '\n' ' ')"
fi

echo "$passed passed, $failed failed"
((failed == 0))
