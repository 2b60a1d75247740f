#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Smoke test of scripts/testbed with real libvirt guests: 2 guests up; both
# agents answer guest-ping; guest-network-get-interfaces shows eth0 with the
# expected MAC, address and statistics; a 5 s 1-stream iperf3 from a guest
# to the sink gets > 100 Mbit/s; an HTB limit pushed with guest-exec of
# /usr/sbin/tc (plain virsh qemu-agent-command) reads back through the agent
# and holds a flow near its rate; then down, and nothing of the testbed is
# left: no daqs-tb-* domain, no daqstb0, no daqstb-* namespace, none of the
# processes it started.
#   usage: testbed-smoke.sh [PATH/TO/scripts/testbed]   (root; exit 77 = skipped)
# Runs about 1 minute (TCG guests); downloads the guest kernel on first use.
# Refuses to run (and touches nothing) when a testbed is already up.
# Predicates are passed to check() as single-quoted eval strings on purpose.
# shellcheck disable=SC2016,SC2034
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tb=${1:-$here/../../scripts/testbed}
state=${DAQS_TESTBED_STATE:-/run/daqs-testbed}
uri=qemu:///system

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
[[ $(id -u) -eq 0 ]] || skip "needs root (libvirt guests, a bridge, a network namespace)"
ip netns list >/dev/null 2>&1 || skip "ip netns unavailable"
[[ -x $tb ]] || {
	echo "testbed-smoke: $tb is not executable" >&2
	exit 2
}
if [[ -s $state/journal ]]; then
	echo "testbed-smoke: a testbed is already up (state in $state); not touching it. Run '$tb down' first." >&2
	exit 1
fi

tmp=$(mktemp -d /tmp/tbsmoke.XXXXXX)
started=0
t_start=$EPOCHREALTIME

cleanup() {
	local rc=$?
	if ((started)); then
		if ((rc != 0 || failed > 0)); then
			for f in "$state"/daqs-tb-g*.serial; do
				[[ -f $f ]] || continue
				echo "--- last lines of $f"
				tail -n 15 "$f"
			done
		fi
		"$tb" down >"$tmp/down-trap.out" 2>&1 || {
			echo "testbed-smoke: down in the exit trap failed:"
			cat "$tmp/down-trap.out"
			rc=1
		}
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exec >/dev/null 2>&1; exit 141' PIPE # the reader went away (| head): clean up all the same, quietly

# --- up
started=1
t=$EPOCHREALTIME
if ! "$tb" up --guests 2 >"$tmp/out" 2>"$tmp/err"; then
	fail "testbed up --guests 2"
	sed 's/^/    | /' "$tmp/out" "$tmp/err" | tail -30
	exit 1
fi
pass "testbed up --guests 2 ($(since "$t") s)"
sed 's/^/    /' "$tmp/out"

check "testbed status says up (exit 0)" eval '"$tb" status >"$tmp/out" 2>"$tmp/err"'

agent() { timeout 20 virsh -q -c "$uri" qemu-agent-command --timeout 10 "$@"; }

# --- agents and interfaces
jqt() { jq -e "$@" >/dev/null; } # a jq predicate, quietly
for i in 1 2; do
	g=daqs-tb-g$i
	ip=198.18.1.$((10 + i))
	mac=$(printf '52:54:00:18:01:%02x' $((10 + i)))
	check "$g answers guest-ping" \
		eval 'agent "$g" "{\"execute\":\"guest-ping\"}" >"$tmp/out" 2>"$tmp/err" && jq -e ".return == {}" "$tmp/out" >/dev/null'
	agent "$g" '{"execute":"guest-network-get-interfaces"}' >"$tmp/ifs.json" 2>"$tmp/err" || true
	cp "$tmp/ifs.json" "$tmp/out"
	check "$g eth0 has MAC $mac" \
		jqt --arg m "$mac" '.return[] | select(.name == "eth0") | .["hardware-address"] == $m' "$tmp/ifs.json"
	check "$g eth0 has $ip/24" \
		jqt --arg a "$ip" '[.return[] | select(.name == "eth0") | .["ip-addresses"][] | select(.["ip-address"] == $a and .prefix == 24)] | length == 1' "$tmp/ifs.json"
	# A guest that has not sent anything yet has tx-bytes 0: the counters
	# must be there and be numbers; that they move is checked after iperf3.
	check "$g eth0 has statistics (rx/tx bytes and packets, numbers >= 0)" \
		jqt '.return[] | select(.name == "eth0") | .statistics | [.["rx-bytes"], .["tx-bytes"], .["rx-packets"], .["tx-packets"]] | all(type == "number" and . >= 0)' "$tmp/ifs.json"
	if [[ $g == daqs-tb-g1 ]]; then
		tx_before=$(jq -e '.return[] | select(.name == "eth0") | .statistics["tx-bytes"]' "$tmp/ifs.json" 2>/dev/null) || tx_before=-1
	fi
done

# --- traffic through the bottleneck (1gbit)
iperf_mbit() { # GUEST SECONDS -> received Mbit/s on stdout
	"$tb" iperf "$1" 1 "$2" "$tmp/iperf.json" >"$tmp/out" 2>"$tmp/err" || return 1
	jq -e '.end.sum_received.bits_per_second / 1e6 | floor' "$tmp/iperf.json"
}
t=$EPOCHREALTIME
mbit=$(iperf_mbit g1 5) || mbit=0
check "iperf3 g1 -> sink, 1 stream, 5 s: $mbit Mbit/s received > 100 ($(since "$t") s)" \
	eval '((mbit > 100))'
# The agent's counters move with the traffic: eth0 sent at least the TCP
# payload iperf3 sent (the wire adds headers, never removes bytes).
sent=$(jq -e '.end.sum_sent.bytes | floor' "$tmp/iperf.json" 2>/dev/null) || sent=0
agent daqs-tb-g1 '{"execute":"guest-network-get-interfaces"}' >"$tmp/ifs.json" 2>"$tmp/err" || true
cp "$tmp/ifs.json" "$tmp/out"
tx_after=$(jq -e '.return[] | select(.name == "eth0") | .statistics["tx-bytes"]' "$tmp/ifs.json" 2>/dev/null) || tx_after=-1
check "daqs-tb-g1 eth0 tx-bytes grew by >= the $sent bytes iperf3 sent ($tx_before -> $tx_after)" \
	eval '((tx_before >= 0 && sent > 0 && tx_after - tx_before >= sent))'

# --- an HTB limit pushed with guest-exec of /usr/sbin/tc, through plain virsh
run_tc() { # GUEST ARG... : guest-exec /usr/sbin/tc, wait (max 20 s), exit code 0?
	local g=$1 req pid st k
	shift
	req=$(jq -nc --argjson a "$(printf '%s\n' "$@" | jq -R . | jq -sc .)" \
		'{execute: "guest-exec", arguments: {path: "/usr/sbin/tc", arg: $a, "capture-output": true}}')
	pid=$(agent "$g" "$req" | jq -r '.return.pid') || return 1
	for ((k = 0; k < 200; k++)); do
		st=$(agent "$g" "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}") || return 1
		if jq -e '.return.exited' <<<"$st" >/dev/null; then
			jq -r '.return["err-data"] // empty' <<<"$st" | base64 -d >"$tmp/err"
			jq -e '.return.exitcode == 0' <<<"$st" >/dev/null
			return
		fi
		sleep 0.1
	done
	return 1
}
check "push HTB root 1: on g2 eth0 (guest-exec /usr/sbin/tc qdisc add)" \
	run_tc daqs-tb-g2 qdisc add dev eth0 root handle 1: htb default 10
check "push class 1:10 rate 50mbit (guest-exec /usr/sbin/tc class add)" \
	run_tc daqs-tb-g2 class add dev eth0 parent 1: classid 1:10 htb rate 50mbit ceil 50mbit burst 64k cburst 64k
"$tb" exec g2 /usr/sbin/tc qdisc show dev eth0 >"$tmp/out" 2>"$tmp/err" || true
check "tc qdisc show through the agent lists htb 1: root" grep -q '^qdisc htb 1: root' "$tmp/out"
"$tb" exec g2 /usr/sbin/tc class show dev eth0 >"$tmp/out" 2>"$tmp/err" || true
check "tc class show through the agent lists 1:10 at 50Mbit" grep -q 'class htb 1:10 .*rate 50Mbit' "$tmp/out"
t=$EPOCHREALTIME
mbit=$(iperf_mbit g2 5) || mbit=0
# 50 Mbit/s of wire rate is about 47.8 Mbit/s of TCP goodput.
check "iperf3 g2 under the 50mbit limit: $mbit Mbit/s within 40..52 ($(since "$t") s)" \
	eval '((mbit >= 40 && mbit <= 52))'

# --- down, and nothing left
if ((failed > 0)); then # the consoles go with the state directory
	for f in "$state"/daqs-tb-g*.serial; do
		[[ -f $f ]] || continue
		echo "--- last lines of $f"
		tail -n 15 "$f"
	done
fi
pids=()
while read -r kind a b c; do
	case $kind in
	proc) pids+=("$a:$b") ;;
	daemon | qemu) pids+=("$b:$c") ;;
	esac
done <"$state/journal"
t=$EPOCHREALTIME
rc=0
"$tb" down >"$tmp/out" 2>"$tmp/err" || rc=$?
check "testbed down ($(since "$t") s)" eval '((rc == 0))'
[[ -e $state/journal ]] || started=0 # else the exit trap tries down once more

starttime() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	[[ $1 != Z ]] && echo "${20}"
}
left_procs() {
	local p
	for p in "${pids[@]}"; do
		[[ $(starttime "${p%%:*}" || true) != "${p#*:}" ]] || echo "pid ${p%%:*}"
	done
}
left_domains() {
	if timeout 10 virsh -q -c "$uri" version >/dev/null 2>&1; then
		timeout 10 virsh -q -c "$uri" list --all --name | grep '^daqs-tb-' || true
	fi
	ls /etc/libvirt/qemu/daqs-tb-*.xml 2>/dev/null || true
	pgrep -a -f '^/usr/bin/qemu-system-x86_64 -name guest=daqs-tb-' || true
}
: >"$tmp/err"
left_domains >"$tmp/out"
check "no daqs-tb-* domain left" eval '[[ ! -s $tmp/out ]]'
check "no daqstb0 bridge left" eval '! ip link show daqstb0 >/dev/null 2>&1'
ip netns list | grep '^daqstb-' >"$tmp/out" || true
check "no daqstb-* namespace left" eval '[[ ! -s $tmp/out ]]'
ip -br link | grep '^daqstb' >"$tmp/out" || true
check "no daqstb* link left" eval '[[ ! -s $tmp/out ]]'
left_procs >"$tmp/out"
check "none of the ${#pids[@]} processes the testbed started is left" eval '[[ ! -s $tmp/out ]]'
check "state directory $state removed" eval '[[ ! -e $state ]]'

echo "testbed-smoke: $(since "$t_start") s"
echo "$passed passed, $failed failed"
((failed == 0))
