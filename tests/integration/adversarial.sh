#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile guests against daqsd (issue 17): one honest guest (real qemu-ga in
# its own namespace, sending the host a datagram every 50 ms) beside one
# hostile guest (tests/fake_agent.py, a scenario a real qemu-ga cannot play),
# daqsd with --workers 1 so the two share one worker. For each scenario:
# daqsd's peak RSS (VmHWM, and VmRSS read every 0.5 s) stays under RSS_MAX_KB, its fd count under FD_MAX, its cycle
# under CYCLE_MAX_MS, and the honest guest is sampled (agent ok, no new
# errors, its tx packets move at every status read).
#   usage: adversarial.sh PATH/TO/daqsd PATH/TO/daqsctl [SCENARIO...]  (root; 77 = skipped)
# Needs: root, ip netns, qemu-ga, python3, jq. Touches only the
# namespace adv-<pid>, the veth adv<pid>h and a mktemp directory;
# addresses from 198.18.0.0/15, no route.
# shellcheck disable=SC2034
set -euo pipefail

daqsd=${1:?usage: adversarial.sh PATH/TO/daqsd PATH/TO/daqsctl [SCENARIO...]}
daqsctl=${2:?usage: adversarial.sh PATH/TO/daqsd PATH/TO/daqsctl [SCENARIO...]}
shift 2
scenarios=("$@")
((${#scenarios[@]})) || scenarios=(iface-flood iface-10k backwards exec-flood unsolicited)
here=$(cd "$(dirname "$0")" && pwd)
RSS_MAX_KB=$((64 * 1024))
FD_MAX=64
CYCLE_MAX_MS=400 # two periods
RUN_S=8

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
require_root_netns
qga=$(command -v qemu-ga || echo /usr/sbin/qemu-ga)
[[ -x $qga ]] || skip "qemu-ga not installed"
for c in python3 jq timeout; do
	command -v "$c" >/dev/null || skip "$c not installed"
done

tmp=$(mktemp -d /tmp/adv.XXXXXX)
namespaces=()
pids=()
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/agents.sh
. "$here/../../scripts/lib/agents.sh"
veth=adv$$h
trap 'ip link del "$veth" 2>/dev/null; cleanup' EXIT

ns=adv-$$
ip netns add "$ns"
namespaces+=("$ns")
ip link add "$veth" type veth peer name eth0 netns "$ns"
ip addr add 198.18.77.1/24 dev "$veth"
ip link set "$veth" up
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip addr add 198.18.77.2/24 dev eth0
ip netns exec "$ns" ip link set eth0 up
start_qga "$ns" honest
# a UDP datagram every 50 ms, bounded in time, so the honest guest's counters move
ip netns exec "$ns" timeout $((RUN_S * ${#scenarios[@]} * 2 + 60)) bash -c \
	'while :; do echo x >/dev/udp/198.18.77.1/9; sleep 0.05; done' >/dev/null 2>&1 &
pids+=($!)

SOCK=$tmp/daqsd.sock
status() { "$daqsctl" --socket "$SOCK" --json status >"$tmp/st.json" 2>/dev/null; }
honest() { jq -r ".vms[] | select(.name == \"h\") | $1" "$tmp/st.json"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; } # peak RSS
fds() { find "/proc/$1/fd" -mindepth 1 2>/dev/null | wc -l; }

write_sla() {
	cat >"$tmp/sla.yaml" <<YAML
version: 1
links:
  - name: l0
    capacity: 1gbit
controller:
  period: 200ms
vms:
  - name: h
    class: guarantee
    min: 100mbit
    agent: $tmp/honest.sock
    interface: eth0
  - name: bad
    class: best-effort
    agent: $tmp/bad.sock
    interface: eth0
YAML
}

# one SCENARIO: prints "SCENARIO rss_peak_kb fds_peak cycle_ms_peak honest_moves honest_reads honest_errs"
run_case() {
	local sc=$1 apid dpid i rss fd cyc peak=0 fdpeak=0 cpeak=0 moves=0 reads=0 tx last=-1
	local errs0 errs1
	rm -f "$tmp/bad.sock"
	python3 "$here/../fake_agent.py" "$tmp/bad.sock" "$sc" &
	apid=$!
	pids+=("$apid")
	wait_for 250 test -S "$tmp/bad.sock"
	write_sla
	"$daqsd" --foreground --config "$tmp/sla.yaml" --connect none --socket "$SOCK" \
		--socket-group nogroup --state-dir "$tmp/state-$sc" --workers 1 -v \
		>>"$tmp/daqsd-$sc.log" 2>&1 &
	dpid=$!
	pids+=("$dpid")
	wait_for 250 status || fail "$sc: daqsd did not answer"
	wait_for 250 bash -c "'$daqsctl' --socket '$SOCK' --json status | jq -e '.cycle >= 3' >/dev/null" ||
		fail "$sc: daqsd made no cycles"
	status
	errs0=$(honest .agent_errors)
	for ((i = 0; i < RUN_S * 2; i++)); do
		sleep 0.5
		rss=$(rss_kb "$dpid")
		fd=$(fds "$dpid")
		((rss > peak)) && peak=$rss
		((fd > fdpeak)) && fdpeak=$fd
		status || continue
		cyc=$(jq -r '.cycle_ms | floor' "$tmp/st.json")
		((cyc > cpeak)) && cpeak=$cyc
		tx=$(honest .tx_packets)
		reads=$((reads + 1))
		[[ $(honest .agent) == ok && $tx -gt $last ]] && moves=$((moves + 1))
		last=$tx
	done
	errs1=$(honest .agent_errors)
	rss=$(hwm_kb "$dpid") # the kernel's peak, between our reads too
	((rss > peak)) && peak=$rss
	echo "$sc $peak $fdpeak $cpeak $moves $reads $((errs1 - errs0))"
	jq -r '.vms[] | select(.name == "bad") | "#   bad guest: state \(.state), agent \(.agent), errors \(.agent_errors), last: \(.last_error)"' \
		"$tmp/st.json" >"$tmp/bad-$sc"
	stop_pid "$dpid"
	stop_pid "$apid"
}

for sc in "${scenarios[@]}"; do
	run_case "$sc" >"$tmp/res"
	read -r name peak fdpeak cpeak moves reads errs <"$tmp/res"
	cat "$tmp/bad-$sc"
	echo "# $name: daqsd VmRSS peak ${peak} kB, fds peak $fdpeak, cycle peak ${cpeak} ms; honest guest moved at $moves of $reads status reads, $errs new agent errors"
	check "$name: daqsd VmRSS peak ${peak} kB <= $RSS_MAX_KB kB" test "$peak" -gt 0 -a "$peak" -le "$RSS_MAX_KB"
	check "$name: daqsd fds peak $fdpeak <= $FD_MAX" test "$fdpeak" -le "$FD_MAX"
	check "$name: cycle peak ${cpeak} ms <= $CYCLE_MAX_MS ms" test "$cpeak" -le "$CYCLE_MAX_MS"
	# the first read has no previous one to move from
	check "$name: the honest guest is sampled: its counters moved at every status read ($moves of $reads), no new agent errors ($errs)" \
		test "$reads" -ge $((RUN_S)) -a "$moves" -ge $((reads - 1)) -a "$errs" = 0
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
