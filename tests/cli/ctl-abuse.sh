#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# daqsd's control socket against its own group's members (allowed `status`
# only), with a real daqsd (--connect none, 200 VMs whose agents are not
# there, so a status reply is about 240 KB) and --socket-group of a group
# made for the run. The misbehaving clients (tests/ctl_abuse_client.py) run
# as uids 60001..60008 with only that group:
#  a. 200 half-open connections (one byte each) of one user, then of eight
#     users (25 each: every slot taken): root's `daqsctl status` is still
#     answered, within 1 s; one user holds at most 8 slots;
#  b. a client pipelining status requests and never reading: daqsd's VmRSS
#     grows by less than 32 MiB and the client is dropped (within 15 s);
#  c. a client that sends half a request line is dropped 5 s later (4-8 s);
#  d. a request line over 4096 bytes: EMSGSIZE reply, closed, one log line;
#     three malformed lines: three EINVAL replies, one log line.
# Prints the figures: root's reply time, the RSS growth, the drop times.
#   usage: ctl-abuse.sh PATH/TO/daqsd PATH/TO/daqsctl     (needs $DAQS_SRCDIR; root)
set -euo pipefail

daqsd=${1:?usage: ctl-abuse.sh PATH/TO/daqsd PATH/TO/daqsctl}
ctl=${2:?usage: ctl-abuse.sh PATH/TO/daqsd PATH/TO/daqsctl}
src=${DAQS_SRCDIR:?DAQS_SRCDIR must point at the source tree}
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$src/scripts/lib/report.sh"
[[ $(id -u) -eq 0 ]] || skip "needs root (a group, other uids)"
command -v setpriv >/dev/null || skip "setpriv not installed (util-linux)"
command -v groupadd >/dev/null || skip "groupadd not installed (passwd)"
py=/usr/bin/python3 # not a shim under root's home: the clients run as other uids
[[ -x $py ]] || skip "no $py"

tmp=$(mktemp -d)
group=daqs-abuse-$$
daqsd_pid=''
helpers=()
finish() {
	local rc=$?
	for p in "${helpers[@]}"; do reap "$p"; done
	reap "$daqsd_pid"
	getent group "$group" >/dev/null && groupdel "$group"
	rm -rf "$tmp"
	exit "$rc"
}
trap finish EXIT
chmod 755 "$tmp"
groupadd "$group"
gid=$(getent group "$group" | cut -d: -f3)
cp "$src/tests/ctl_abuse_client.py" "$tmp/client.py"
chmod 644 "$tmp/client.py"
sock=$tmp/run/daqsd.sock

{
	printf 'version: 1\nlinks:\n  - name: l0\n    capacity: 10gbit\nvms:\n'
	for i in $(seq 200); do
		printf '  - name: vm-%03d\n    class: best-effort\n    agent: %s/no-agent-%d.sock\n    interface: eth0\n' \
			"$i" "$tmp" "$i"
	done
} >"$tmp/sla.yaml"
mkdir -m 700 "$tmp/state"
# under ASan, freed memory waits in a quarantine (256 MiB by default) before
# reuse; keep it small so that VmRSS tells what daqsd holds (no-op otherwise)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8 \
	"$daqsd" --foreground --connect none --config "$tmp/sla.yaml" --socket "$sock" \
	--socket-group "$group" --state-dir "$tmp/state" >"$tmp/daqsd.log" 2>&1 &
daqsd_pid=$!
if ! wait_until 10 "$ctl" --socket "$sock" status >/dev/null 2>&1; then
	fail "daqsd did not answer status within 10 s: $(tail -3 "$tmp/daqsd.log" | tr '\n' ' ')"
	echo "$passed passed, $failed failed"
	exit 1
fi

# client UID MODE ARGS...: tests/ctl_abuse_client.py as UID with only the
# socket's group (setpriv execs python: a background one's $! is its PID)
as_user=(setpriv --regid "$gid" --clear-groups --reuid)
client() { "${as_user[@]}" "$1" "$py" "$tmp/client.py" "${@:2}"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$daqsd_pid/status"; }
# root_status: daqsctl status as root; sets root_rc and root_s (seconds)
root_status() {
	local t0=$EPOCHREALTIME
	root_rc=0
	"$ctl" --socket "$sock" status >"$tmp/out" 2>"$tmp/err" || root_rc=$?
	root_s=$(since "$t0")
	root_ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
}
expect_root_served() { # WHAT
	if [[ $root_rc -eq 0 ]] && fcmp "$root_s" '<' 1 && grep -q '^VM ' "$tmp/out"; then
		pass "$1: root's status answered in $root_ms ms"
	else
		fail "$1: root's status: exit $root_rc after $root_ms ms: $(head -c 200 "$tmp/err")"
	fi
}
# start_halfopen UID N: N half-open connections held 30 s; result in $tmp/ho.UID
start_halfopen() {
	"${as_user[@]}" "$1" "$py" "$tmp/client.py" halfopen "$sock" "$2" 30 >"$tmp/ho.$1" 2>&1 &
	helpers+=($!)
}
stop_helpers() {
	for p in "${helpers[@]}"; do reap "$p"; done
	helpers=()
}
held() { sed -n 's/^held=\([0-9]*\) .*/\1/p' "$tmp/ho.$1"; }
all_reported() { for u in "$@"; do [[ -s $tmp/ho.$u ]] || return 1; done; }

# ---- a: 200 half-open connections of one user ----
start_halfopen 60001 200
if wait_until 10 all_reported 60001; then
	root_status
	expect_root_served "200 half-open connections of uid 60001"
	h=$(held 60001)
	if [[ -n $h ]] && ((h <= 8)); then
		pass "one user holds $h slots of 200 tried ($(cat "$tmp/ho.60001"))"
	else
		fail "one user holds ${h:-?} slots: $(cat "$tmp/ho.60001")"
	fi
else
	fail "the half-open client did not report: $(cat "$tmp/ho.60001")"
fi
stop_helpers

# ---- a: 8 users x 25: every slot taken, root still served ----
users=(60001 60002 60003 60004 60005 60006 60007 60008)
for u in "${users[@]}"; do start_halfopen "$u" 25; done
if wait_until 10 all_reported "${users[@]}"; then
	total=0
	for u in "${users[@]}"; do total=$((total + $(held "$u" || echo 0))); done
	root_status
	expect_root_served "200 half-open connections of 8 users ($total held)"
	root_status
	expect_root_served "and again (root's clients are never the ones dropped)"
else
	fail "the half-open clients did not report"
fi
stop_helpers

# ---- b: pipelining status requests without reading ----
rss0=$(rss_kib)
"${as_user[@]}" 60001 "$py" "$tmp/client.py" pipeline "$sock" 15 >"$tmp/pipe" 2>&1 &
pipe_pid=$!
helpers+=("$pipe_pid")
peak=$rss0
while kill -0 "$pipe_pid" 2>/dev/null; do
	r=$(rss_kib)
	((r > peak)) && peak=$r
	sleep 0.2
done
stop_helpers
grow=$(((peak - rss0) / 1024))
if ((peak - rss0 < 32 * 1024)); then
	pass "pipelining client: VmRSS $((rss0 / 1024)) -> peak $((peak / 1024)) MiB (+$grow MiB, bound 32)"
else
	fail "pipelining client: VmRSS $((rss0 / 1024)) -> peak $((peak / 1024)) MiB (+$grow MiB, bound 32)"
fi
if grep -q '^dropped=1' "$tmp/pipe"; then
	pass "pipelining client dropped ($(cat "$tmp/pipe"))"
else
	fail "pipelining client not dropped in 15 s ($(cat "$tmp/pipe"))"
fi
root_status
expect_root_served "after the pipelining client"

# ---- c: half a request line ----
client 60002 halfline "$sock" 12 >"$tmp/half" 2>&1
after=$(sed -n 's/^dropped=1 after=//p' "$tmp/half")
if [[ -n $after ]] && fcmp "$after" '>=' 4 && fcmp "$after" '<=' 8; then
	pass "half a request line: dropped after $after s (deadline 5 s)"
else
	fail "half a request line: $(cat "$tmp/half") (want dropped after 4-8 s)"
fi

# ---- d: too long, malformed: a reply each, one log line per client ----
logged() { grep -c "refused a request from uid $1 " "$tmp/daqsd.log" || true; }
client 60003 lines "$sock" 1 "{\"cmd\":\"status\",\"vm\":\"$(printf 'x%.0s' $(seq 5000))\"}" >"$tmp/long" 2>&1
if [[ $(cat "$tmp/long") == "codes=EMSGSIZE closed=1" && $(logged 60003) -eq 1 ]]; then
	pass "a 5 KB request line: EMSGSIZE reply, closed, one log line"
else
	fail "a 5 KB request line: $(cat "$tmp/long"), $(logged 60003) log line(s)"
fi
client 60004 lines "$sock" 3 'not json' >"$tmp/bad" 2>&1
if [[ $(cat "$tmp/bad") == "codes=EINVAL,EINVAL,EINVAL closed=0" && $(logged 60004) -eq 1 ]]; then
	pass "three malformed lines: three EINVAL replies, one log line"
else
	fail "three malformed lines: $(cat "$tmp/bad"), $(logged 60004) log line(s)"
fi
grep 'control: ' "$tmp/daqsd.log" | sed 's/^/    log | /' | head -12

if kill -0 "$daqsd_pid" 2>/dev/null; then
	pass "daqsd still running"
else
	fail "daqsd exited: $(tail -3 "$tmp/daqsd.log" | tr '\n' ' ')"
fi
echo "$passed passed, $failed failed"
((failed == 0))
