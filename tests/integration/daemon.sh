#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# daqsd end to end on real parts, without VMs: two cheap guests (network
# namespaces, each with a real qemu-ga on a unix socket) contend through a
# shared 1 gbit FIFO bottleneck (scripts/lib/fixture.sh, a plain
# NIC: one queue); daqsd reaches them through their agent sockets (SLA
# `agent:`), measures them and pushes real HTB limits into them. iperf3
# measures what each guest really gets.
#   G: guarantee, min 400mbit, 1 TCP stream;  B: best-effort, 5 streams.
# Checked:
#  1. without daqsd, G gets well below its min (the FIFO shares by streams);
#  2. with daqsd, G gets >= 95 % of its min (iperf3 goodput);
#  3. `daqsctl status --json` reports both VMs correctly;
#  4. when G stops sending, B gets >= 90 % of the link within 2 s;
#  5. a bad SLA on reload is refused (file:line in the reply and in status)
#     and the old one stays in force;
#  6. an override applies (status, and the HTB read back in the guest) and
#     expires on time;
#  7. SIGKILL + restart: the override comes back from the state file, B's
#     limit never leaves the guest, G stays protected across the restart;
#  8. the control socket: group members read status but are refused
#     mutating verbs (EPERM); others cannot connect (EACCES).
#   usage: daemon.sh PATH/TO/daqsd PATH/TO/daqsctl     (root; 77 = skipped)
# Touches only namespaces dqf<pid>r<random>-* (198.18.64.0/24), a mktemp
# directory and the processes it starts (stopped by PID). About 90 s.
set -euo pipefail

daqsd=${1:?usage: daemon.sh PATH/TO/daqsd PATH/TO/daqsctl}
daqsctl=${2:?usage: daemon.sh PATH/TO/daqsd PATH/TO/daqsctl}
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
require_root_netns
for t in tc iperf3 jq ss timeout awk setpriv; do
	command -v "$t" >/dev/null || skip "$t not installed"
done
qga=$(command -v qemu-ga || echo /usr/sbin/qemu-ga)
[[ -x $qga ]] || skip "qemu-ga not installed"
if ! getent passwd nobody >/dev/null || ! getent group nogroup >/dev/null; then
	skip "user nobody / group nogroup missing"
fi
for t in "$daqsd" "$daqsctl"; do
	[[ -x $t ]] || {
		echo "daemon.sh: $t is not executable" >&2
		exit 2
	}
done

tmp=$(mktemp -d /tmp/daqsd-e2e.XXXXXX)
chmod 711 "$tmp" # others may traverse to the socket; the socket's mode decides
namespaces=()
pids=()
# shellcheck source=../../scripts/lib/agents.sh
. "$here/../../scripts/lib/agents.sh"
# shellcheck source=../../scripts/lib/fixture.sh
. "$here/../../scripts/lib/fixture.sh"
trap 'set +e; stop_daqsd; fixture_down; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exec >/dev/null 2>&1; exit 141' PIPE # the reader went away (| head): clean up all the same, quietly

MIN_MBIT=400
SOCK=$tmp/run/daqsd.sock
mkdir -p "$tmp/run" && chmod 755 "$tmp/run"

recv_bps() { jq -er '.end.sum_received.bits_per_second' "$1"; }
ctl() { "$daqsctl" --socket "$SOCK" "$@"; }
status_json() { ctl --json status >"$tmp/st.json" 2>"$tmp/st.err"; }
# status_true JQ: the status (refreshed into $tmp/st.json) satisfies JQ. For
# wait_for: daqsd acts at its next cycle, so tests poll instead of sleeping.
status_true() { status_json 2>/dev/null && jq -e "$1" "$tmp/st.json" >/dev/null 2>&1; }
vm_field() { jq -r --arg vm "$1" ".vms[] | select(.name == \$vm) | $2" "$tmp/st.json"; }

write_sla() { # FILE [without-b]
	cat >"$1" <<EOF
version: 1
links:
  - name: l0
    capacity: 1gbit
controller:
  period: 200ms
vms:
  - name: g
    class: guarantee
    min: ${MIN_MBIT}mbit
    agent: $tmp/g1.sock
    interface: eth0
EOF
	[[ ${2:-} == without-b ]] || cat >>"$1" <<EOF
  - name: b
    class: best-effort
    agent: $tmp/g2.sock
    interface: eth0
EOF
}

DAQSD_PID=
HTTP_PORT=$((20000 + RANDOM % 30000))
start_daqsd() {
	"$daqsd" --foreground --config "$tmp/sla.yaml" --connect none --socket "$SOCK" \
		--socket-group nogroup --state-dir "$tmp/state" -v \
		--metrics-listen "127.0.0.1:$HTTP_PORT" >>"$tmp/daqsd.log" 2>&1 &
	DAQSD_PID=$!
	pids+=("$DAQSD_PID")
	# ready: the socket answers and both guests went through a cycle
	wait_for 250 ctl_ready || {
		echo "# daqsd did not become ready; log:"
		tail -20 "$tmp/daqsd.log" | sed 's/^/#   /'
		return 1
	}
}
ctl_cycles() { # SOCKET: the daemon there completed a few cycles
	"$daqsctl" --socket "$1" --json status 2>/dev/null | jq -e '.cycle >= 3' >/dev/null
}
ctl_ready() {
	status_json 2>/dev/null && [[ $(jq '[.vms[] | select(.agent == "ok")] | length' "$tmp/st.json") == 2 ]]
}
stop_daqsd() {
	[[ -n $DAQSD_PID ]] && stop_pid "$DAQSD_PID"
	DAQSD_PID=
}

# guest I's HTB leaf rate on eth0 in bit/s, read on the host side ("" = none).
# iproute2 6.1 prints HTB classes as text even with -j, so the text is parsed:
#   class htb 1:10 parent 1:1 leaf 10: prio 0 rate 100Mbit ceil 100Mbit ...
htb_rate() { # I
	fixture_exec "$1" tc class show dev eth0 2>/dev/null | awk '
		$1 == "class" && $2 == "htb" && $4 == "parent" && $5 == "1:1" {
			for (i = 6; i < NF; i++) if ($i == "rate") { r = $(i + 1); break }
			m = 1
			if (r ~ /Gbit$/) m = 1e9; else if (r ~ /Mbit$/) m = 1e6; else if (r ~ /Kbit$/) m = 1e3
			sub(/[A-Za-z]+$/, "", r)
			printf "%.0f\n", r * m
			exit
		}' || true
}

echo "# fixture: 2 guests, 1 gbit FIFO bottleneck"
if ! fixture_up 2 1gbit; then
	fail "fixture_up"
	echo "$passed passed, $failed failed"
	exit 1
fi
for i in 1 2; do
	start_qga "$(fixture_ns "$i")" "g$i"
done
write_sla "$tmp/sla.yaml"
min_bps=$((MIN_MBIT * 1000000))

# 0. calibrate: the bottleneck's TCP goodput (B alone, 5 streams)
fixture_iperf 2 5 4 "$tmp/cal.json" -O 1 || fail "calibration run"
goodput=$(recv_bps "$tmp/cal.json")
echo "# calibration: 1 gbit bottleneck delivers $(mbit "$goodput") Mbit/s of TCP goodput"

# G (1 stream) against B (5 streams), T seconds, the first 2 left out.
contend() { # TAG T -> RG RB
	local pg
	fixture_iperf_bg 1 1 "$2" "$tmp/g-$1.json" -O 2 -i 0.5
	pg=$FIXTURE_PID
	fixture_iperf_bg 2 5 "$2" "$tmp/b-$1.json" -O 2 -i 0.5
	fixture_wait "$pg" || true
	fixture_wait "$FIXTURE_PID" || true
	RG=$(recv_bps "$tmp/g-$1.json" 2>/dev/null || echo 0)
	RB=$(recv_bps "$tmp/b-$1.json" 2>/dev/null || echo 0)
	echo "# $1: G (min ${MIN_MBIT}mbit, 1 stream) $(mbit "$RG") Mbit/s, B (5 streams) $(mbit "$RB") Mbit/s"
}

# 1. without daqsd. A FIFO shared by TCP flows is chaotic: usually the
# 1-stream guest gets 20-200 Mbit/s, but now and then the 5 streams lock each
# other out and it gets most of the link (measured: 23, 158, 43 and 894 in
# four runs). So up to three runs; one below the min shows that nothing
# protects G without daqsd.
for run in 1 2 3; do
	contend "without-$run" 6
	fcmp "$RG" '<' "$(awk -v m="$min_bps" 'BEGIN { print 0.95 * m }')" && break
done
check "without daqsd: G gets $(mbit "$RG") Mbit/s (run $run), below 95 % of its min" \
	fcmp "$RG" '<' "$(awk -v m="$min_bps" 'BEGIN { print 0.95 * m }')"

# 2. with daqsd
start_daqsd || fail "daqsd start"
contend with 8
check "with daqsd: G gets $(mbit "$RG") Mbit/s >= 95 % of its min ${MIN_MBIT}mbit" \
	fcmp "$RG" '>=' "$(awk -v m="$min_bps" 'BEGIN { print 0.95 * m }')"
check "with daqsd: G + B = $(mbit "$(awk -v a="$RG" -v b="$RB" 'BEGIN { print a + b }')") Mbit/s fill >= 90 % of the goodput" \
	fcmp "$(awk -v a="$RG" -v b="$RB" 'BEGIN { print a + b }')" '>=' "$(awk -v g="$goodput" 'BEGIN { print 0.9 * g }')"

# 3. status while both send (short contention in the background)
fixture_iperf_bg 1 1 4 "$tmp/g-st.json"
pg=$FIXTURE_PID
fixture_iperf_bg 2 5 4 "$tmp/b-st.json"
pb=$FIXTURE_PID
sleep 2.5
status_json
cp "$tmp/st.json" "$tmp/out"
check "status: g is guarantee, min 400mbit, agent ok, iface eth0, socket" \
	test "$(vm_field g '.cls + " " + (.min_bps|tostring) + " " + .agent + " " + .iface + " " + .source')" = \
	"guarantee 400000000 ok eth0 socket"
check "status: b is best-effort, agent ok, iface eth0, limited (limit_bps not null) while g sends" \
	test "$(vm_field b '.cls + " " + .agent + " " + .iface + " " + (.limit_bps != null | tostring)')" = \
	"best-effort ok eth0 true"
check "status: g's measured tx ($(vm_field g .tx_bps)) is above 300 Mbit/s" \
	test "$(vm_field g '.tx_bps > 300e6')" = true
# The limit moves while traffic does: status and the readback are taken back
# to back, a few times; tc stores rates in bytes/s and prints them rounded.
limit_matches() {
	local k lim htb
	for ((k = 0; k < 5; k++)); do
		status_json
		lim=$(vm_field b .limit_bps)
		htb=$(htb_rate 2)
		echo "status limit $lim, guest HTB $htb" >"$tmp/out"
		[[ -n $htb && $lim != null ]] && fcmp "$(awk -v a="$lim" -v b="$htb" 'BEGIN { d = a / b - 1; print (d < 0 ? -d : d) }')" '<=' 0.005 && return 0
	done
	return 1
}
check "status: b's limit is the HTB rate read back in the guest (within 0.5 %)" limit_matches
check "status: g is protected or satisfied (mode $(vm_field g .mode))" \
	grep -qE '^(protected|satisfied)$' <<<"$(vm_field g .mode)"
http_get() { # PATH -> status code and body in $tmp/out
	python3 -c '
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen("http://127.0.0.1:%s%s" % (sys.argv[1], sys.argv[2]), timeout=5)
    print(r.status, r.headers.get("Content-Type")); sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code)
' "$HTTP_PORT" "$1" >"$tmp/out" 2>"$tmp/err"
}
http_get /metrics
check "metrics over HTTP: 200, text/plain version 0.0.4, g's tx and b's limit as samples" \
	test "$(head -1 "$tmp/out")" = "200 text/plain; version=0.0.4; charset=utf-8" -a \
	-n "$(grep '^daqs_vm_tx_bytes_per_second{vm="g",class="guarantee",link="l0"} [0-9]' "$tmp/out")" -a \
	-n "$(grep '^daqs_vm_limit_bytes_per_second{vm="b",' "$tmp/out")"
http_get /
check "metrics over HTTP: anything but /metrics is 404" test "$(head -1 "$tmp/out")" = 404
fixture_wait "$pg" || true
fixture_wait "$pb" || true

# 4. reaction: G sends 6 s, B 12 s; B must get >= 90 % of the link within 2 s of G's end
fixture_iperf_bg 1 1 6 "$tmp/g-re.json" -i 0.1
pg=$FIXTURE_PID
fixture_iperf_bg 2 5 12 "$tmp/b-re.json" -i 0.1
pb=$FIXTURE_PID
fixture_wait "$pg" || true
fixture_wait "$pb" || true
gend=$(jq -r '.intervals[-1].sum.end' "$tmp/g-re.json" 2>/dev/null || echo 6)
read -r first avg < <(jq -r --argjson e "$gend" --argjson g "$goodput" '
	[.intervals[].sum | select(.start >= $e - 0.01)] as $after
	| ([$after[] | select(.bits_per_second >= 0.9 * $g) | .end - $e] | first // 99) as $first
	| ([$after[] | select(.start >= $e + 1.99 and .end <= $e + 4.01) | .bits_per_second] | add / length) as $avg
	| "\($first) \($avg)"' "$tmp/b-re.json")
echo "# reaction: G stopped at ${gend}s; B's first 0.1 s interval at >= 90 % of the goodput ended $first s later; B's mean over [2 s, 4 s] after: $(mbit "$avg") Mbit/s"
check "reaction: B reaches >= 90 % of the link goodput within 2 s of G going idle (first interval end +$first s)" \
	fcmp "$first" '<=' 2.0
check "reaction: B's mean in [2 s, 4 s] after G stopped, $(mbit "$avg") Mbit/s, is >= 90 % of $(mbit "$goodput")" \
	fcmp "$avg" '>=' "$(awk -v g="$goodput" 'BEGIN { print 0.9 * g }')"

# 5. a bad SLA on reload keeps the old one
cp "$tmp/sla.yaml" "$tmp/sla.good"
printf 'version: 1\nlinks:\n  - name: l0\n    capacity: 1gbps\n' >"$tmp/sla.yaml"
rc=0
ctl reload >"$tmp/out" 2>"$tmp/err" || rc=$?
check "reload of a bad SLA: daqsctl exits 1 (got $rc)" test "$rc" = 1
check "reload of a bad SLA: the reply names the file and line" \
	grep -q "sla.yaml:4:" "$tmp/err"
wait_for 100 status_true '.sla_error | test("sla.yaml:4:")' || true
check "after the refused reload: the old SLA is in force (g still guarantee 400mbit) and status shows why" \
	test "$(vm_field g '.cls + " " + (.min_bps|tostring)')" = "guarantee 400000000" -a \
	-n "$(jq -r '.sla_error' "$tmp/st.json" | grep 'sla.yaml:4:')"
cp "$tmp/sla.good" "$tmp/sla.yaml"
check "reload of the good SLA again: exit 0" ctl reload

# 6. override applies and expires (no traffic: B would be unlimited)
check "override b --max 100mbit --for 3s: exit 0" ctl override b --max 100mbit --for 3s
b_100() { status_true '.vms[] | select(.name == "b") | .limit_bps == 100000000' && [[ $(htb_rate 2) == 100000000 ]]; }
wait_for 100 b_100 || true
check "override in force: status shows it, b's limit is 100mbit and the guest's HTB says so" \
	test "$(vm_field b '(.override|tostring) + " " + (.limit_bps|tostring)')" = "true 100000000" -a \
	"$(htb_rate 2)" = 100000000
check "override in force: override_left_s ($(vm_field b .override_left_s)) is 1..3" \
	fcmp "$(vm_field b .override_left_s)" '<=' 3
wait_for 300 status_true '.vms[] | select(.name == "b") | .override == false and .limit_bps == null' || true
check "override expired: status shows none and b's limit is gone ($(vm_field b .limit_bps))" \
	test "$(vm_field b '(.override|tostring) + " " + (.limit_bps|tostring)')" = "false null"
# 6b. a VM dropped from the SLA file: daqsd takes its limit out of the guest
# (no stale limit) and forgets it; back in the file, it is managed again.
check "override b --max 100mbit (until cleared): b's HTB at 100mbit" \
	eval 'ctl override b --max 100mbit && wait_for 100 b_100'
write_sla "$tmp/sla.yaml" without-b
check "reload without b: exit 0" ctl reload
b_gone() { status_true '[.vms[].name] == ["g"]' && [[ -z $(htb_rate 2) ]]; }
wait_for 100 b_gone || true
check "without b in the SLA: b is gone from status and its HTB is gone from the guest" \
	test "$(jq -r '[.vms[].name] | join(" ")' "$tmp/st.json")" = g -a -z "$(htb_rate 2)"
cp "$tmp/sla.good" "$tmp/sla.yaml"
b_back() { status_true '.vms[] | select(.name == "b") | .override and .max_bps == 100000000'; }
check "reload with b again: b is back, with its override (max 100mbit)" \
	eval 'ctl reload && wait_for 100 b_back'
check "override --clear b: exit 0" ctl override --clear b
check "override for an unknown VM: exit 1" bash -c "! '$daqsctl' --socket '$SOCK' override nosuch --max 1gbit 2>/dev/null"

# 7. SIGKILL + restart under contention
check "persistent override g --weight 3: exit 0" ctl override g --weight 3
fixture_iperf_bg 1 1 10 "$tmp/g-kill.json" -i 0.5
pg=$FIXTURE_PID
fixture_iperf_bg 2 5 10 "$tmp/b-kill.json" -i 0.5
pb=$FIXTURE_PID
# Watch B's HTB from the host side every 50 ms, from the moment daqsd has
# limited B under this contention (the step before left B unlimited) until
# well after the restart.
b_has_htb() { [[ -n $(htb_rate 2) ]]; }
wait_for 100 b_has_htb || true
sleep 1
(
	end=$((SECONDS + 9))
	while ((SECONDS < end)); do
		echo "$EPOCHREALTIME $(htb_rate 2)"
		sleep 0.05
	done
) >"$tmp/htb-watch" &
pw=$!
pids+=("$pw")
sleep 2
kill -KILL "$DAQSD_PID"
wait "$DAQSD_PID" 2>/dev/null || true
t_kill=$EPOCHREALTIME
sleep 1
start_daqsd || fail "daqsd restart"
t_up=$EPOCHREALTIME
fixture_wait "$pg" || true
fixture_wait "$pb" || true
wait "$pw" || true
# B's limit must stay in force from before the kill until daqsd is back and
# has run its cycles (ready + 1 s); after the traffic ends it is released.
gap=$(awk -v until="$(awk -v t="$t_up" 'BEGIN { printf "%.6f", t + 1 }')" '
	$1 > until { exit }
	$2 != "" { seen = 1 }
	!seen { next }   # before daqsd first limited B in this run
	$2 == "" { if (!s) s = $1; next }
	{ if (s) { g = $1 - s; if (g > m) m = g; s = 0 } }
	END { if (s) m = 99; printf "%.3f", m }' "$tmp/htb-watch")
samples=$(awk -v u="$t_up" '$1 <= u + 1' "$tmp/htb-watch" | wc -l)
echo "# restart: daqsd SIGKILLed, ready again $(awk -v a="$t_kill" -v b="$t_up" 'BEGIN { printf "%.2f", b - a }') s later; B's HTB read $samples times until 1 s after; longest time without it: $gap s"
if fcmp "$gap" '<=' 0.2; then
	pass "restart: B's limit never left the guest for more than one period (longest gap $gap s)"
else
	fail "restart: B's limit never left the guest for more than one period (longest gap $gap s)"
	echo "# daqsd's limit changes for b around the restart:"
	grep -n "guest 'b'\|running\|state:" "$tmp/daqsd.log" | tail -25 | sed 's/^/#   /'
	awk '$2 == ""' "$tmp/htb-watch" | head -3 | sed 's/^/#   no HTB at /'
fi
read -r gmin gmean < <(jq -r '[.intervals[].sum | select(.start >= 2) | .bits_per_second] | "\(min) \(add / length)"' "$tmp/g-kill.json")
echo "# restart: G over [2 s, 10 s]: mean $(mbit "$gmean") Mbit/s, lowest 0.5 s interval $(mbit "$gmin")"
check "restart: G's mean across the restart, $(mbit "$gmean") Mbit/s, stays >= 95 % of its min" \
	fcmp "$gmean" '>=' "$(awk -v m="$min_bps" 'BEGIN { print 0.95 * m }')"
status_json
check "restart: the override on g came back from the state file (weight 3, override true)" \
	test "$(vm_field g '(.override|tostring) + " " + (.weight|tostring)')" = "true 3"
check "override --clear g: exit 0" ctl override --clear g

# 8. the control socket's permissions (group nogroup): nobody reads, cannot change
as() { setpriv --reuid="$1" --regid="$2" --clear-groups "${@:3}"; }
check "socket mode is 0660 root:nogroup" test "$(stat -c '%a %U:%G' "$SOCK")" = "660 root:nogroup"
check "user nobody (group nogroup) reads status" as nobody nogroup "$daqsctl" --socket "$SOCK" status
rc=0
as nobody nogroup "$daqsctl" --socket "$SOCK" override b --max 1gbit >"$tmp/out" 2>"$tmp/err" || rc=$?
check "user nobody is refused override: exit 1 with EPERM (got $rc: $(head -c 200 "$tmp/err"))" \
	test "$rc" = 1 -a -n "$(grep -E 'EPERM|root' "$tmp/err")"
rc=0
as daemon daemon "$daqsctl" --socket "$SOCK" status >"$tmp/out" 2>"$tmp/err" || rc=$?
check "user daemon (not in the group) cannot connect: exit 1, says why (got $rc)" \
	test "$rc" = 1 -a -n "$(grep -i 'permission denied\|root or in' "$tmp/err")"

# 9. shutdown with --on-exit keep leaves the limits; the log has no error lines
# (a known limit first: with the traffic over, B would be released at any cycle)
check "override b --max 100mbit --for 60s: b's HTB at 100mbit" \
	eval 'ctl override b --max 100mbit --for 60s && wait_for 100 b_100'
stop_daqsd
check "after SIGTERM with --on-exit keep: b's HTB is still in the guest at 100mbit" test "$(htb_rate 2)" = 100000000

# 10. systemd's side, without systemd: the readiness datagrams on
# $NOTIFY_SOCKET and journald's "<N>" priority prefixes; --on-exit remove.
timeout 20 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(0.2)
end = time.time() + 15
with open(sys.argv[2], "w") as f:
    while time.time() < end:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            continue
        f.write(m.replace("\n", "|") + "\n"); f.flush()
        if m.startswith("STOPPING=1"):
            break
' "$tmp/notify.sock" "$tmp/notify.log" &
pn=$!
pids+=("$pn")
wait_for 100 test -S "$tmp/notify.sock"
NOTIFY_SOCKET=$tmp/notify.sock JOURNAL_STREAM=8:1 "$daqsd" --foreground --config "$tmp/sla.yaml" \
	--connect none --socket "$tmp/run/n.sock" --state-dir "$tmp/state" --on-exit remove \
	2>"$tmp/journal.log" &
pd=$!
pids+=("$pd")
wait_for 150 grep -q READY=1 "$tmp/notify.log" || true
# a few cycles: both guests reached and their interfaces known (what --on-exit remove needs)
n_ready() {
	"$daqsctl" --socket "$tmp/run/n.sock" --json status 2>/dev/null |
		jq -e '.cycle >= 3 and ([.vms[] | select(.agent == "ok" and .iface == "eth0")] | length == 2)' >/dev/null
}
wait_for 150 n_ready || true
kill -HUP "$pd"
wait_for 100 grep -q RELOADING=1 "$tmp/notify.log" || true
ready_twice() { [[ $(grep -c READY=1 "$tmp/notify.log") -ge 2 ]]; }
wait_for 100 ready_twice || true
kill -TERM "$pd"
rc=0
wait "$pd" || rc=$?
wait "$pn" || true
cp "$tmp/notify.log" "$tmp/out"
check "notify: READY=1, then RELOADING=1 with MONOTONIC_USEC and READY=1 again, then STOPPING=1" \
	test "$(grep -c 'READY=1' "$tmp/notify.log") $(grep -c '^RELOADING=1|MONOTONIC_USEC=[0-9]*$' "$tmp/notify.log") $(grep -c '^STOPPING=1' "$tmp/notify.log")" = "2 1 1"
cp "$tmp/journal.log" "$tmp/out"
check "journal: every line carries a <N> priority prefix (notice = <5>); exit 0 (got $rc)" \
	test "$rc" = 0 -a -z "$(grep -v '^<[0-7]>' "$tmp/journal.log")" -a -n "$(grep '^<5>daqsd' "$tmp/journal.log")"
check "--on-exit remove: b's HTB is gone from the guest" test -z "$(htb_rate 2)"

# 11. capacity: auto reads the PF's speed (here: guest 1's veth, which
# reports 10000 Mb/s) in the daemon's network namespace; a missing device is
# a warning and an unknown capacity, not a crash.
cat >"$tmp/auto.yaml" <<EOF
version: 1
links:
  - {name: pf, capacity: auto, device: eth0}
  - {name: gone, capacity: auto, device: nosuchdev0}
vms:
  - {name: g, class: best-effort, link: pf, agent: $tmp/g1.sock, interface: eth0}
EOF
ip netns exec "$(fixture_ns 1)" "$daqsd" --foreground --config "$tmp/auto.yaml" --connect none \
	--socket "$tmp/run/auto.sock" --state-dir "$tmp/state-auto" 2>"$tmp/auto.log" &
pa=$!
pids+=("$pa")
wait_for 150 ctl_cycles "$tmp/run/auto.sock" || true
"$daqsctl" --socket "$tmp/run/auto.sock" --json status >"$tmp/out" 2>"$tmp/err" || true
check "capacity auto: link pf is 10gbit (the veth's speed), link gone is 0 (unknown)" \
	test "$(jq -r '[.links[].capacity_bps] | map(tostring) | join(" ")' "$tmp/out")" = "10000000000 0"
check "capacity auto: the log says where the capacity came from and which device is missing" \
	test -n "$(grep "link 'pf': capacity 10000 Mb/s from 'eth0'" "$tmp/auto.log")" -a \
	-n "$(grep "link 'gone': cannot read the speed of 'nosuchdev0'" "$tmp/auto.log")"
stop_pid "$pa"
check "daqsd's log has no error lines but the refused reload's" \
	bash -c "! grep -E ': error: ' '$tmp/daqsd.log' | grep -v 'sla.yaml:4:\\|reload: kept'"
echo "# daqsd log: $(wc -l <"$tmp/daqsd.log") lines; last ones:"
tail -5 "$tmp/daqsd.log" | sed 's/^/#   /'
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
