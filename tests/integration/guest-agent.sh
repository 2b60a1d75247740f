#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The guest-agent session (lib/adapters/guest.c) against real qemu-ga 7.2 daemons in
# network namespaces (one namespace + one socket = one fake guest), driven by
# tests/guest_tool.c: tc limits applied through guest-exec and read back on
# the host side with `ip netns exec ... tc`, idempotence checked in the
# agent's own request log (-v -l), counters from the agent compared with
# sysfs, exec reaping, interface discovery through a master, and an
# agent-limited guest (qemu-ga -b guest-exec,guest-exec-status).
#   usage: guest-agent.sh PATH/TO/guest-tool      (root; exit 77 = skipped)
# Needs: root, ip netns, veth, bridge, sch_htb, tc, qemu-ga, jq. Touches only
# namespaces gvb-<pid>-*, addresses in 198.18.10.0/30 (no default route) and
# a mktemp directory; agents are killed by PID.
# Predicates are passed to check() as single-quoted eval strings on purpose:
# they expand when check runs them.
# shellcheck disable=SC2016
set -euo pipefail

tool=${1:?usage: guest-agent.sh PATH/TO/guest-tool}
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
require_root_netns
qga=$(command -v qemu-ga || echo /usr/sbin/qemu-ga)
[[ -x $qga ]] || skip "qemu-ga not installed"
command -v tc >/dev/null || skip "tc not installed"
command -v jq >/dev/null || skip "jq not installed"
[[ -x $tool ]] || {
	echo "guest-agent.sh: $tool is not executable" >&2
	exit 2
}

tmp=$(mktemp -d /tmp/gvb.XXXXXX)
ns_g=gvb-$$-g # the guest
ns_p=gvb-$$-p # its peer on the other end of the veth
ns_l=gvb-$$-l # an agent-limited guest
namespaces=()
pids=()

. "$here/../../scripts/lib/agents.sh"
trap cleanup EXIT

# Requests the agent NAME received since mark NAME (log_mark), matching a string.
log_mark() { mark=$(wc -l <"$tmp/$1.log"); }
requests_since() { # NAME STRING
	tail -n +"$((mark + 1))" "$tmp/$1.log" | grep -a 'read data' | grep -ac -- "$2" || true
}

nsg() { ip netns exec "$ns_g" "$@"; }

setup() {
	ip netns add "$ns_g"
	namespaces+=("$ns_g")
	ip netns add "$ns_p"
	namespaces+=("$ns_p")
	ip netns add "$ns_l"
	namespaces+=("$ns_l")
	ip -n "$ns_g" link set lo up
	ip -n "$ns_g" link add gvb0 type veth peer name gvbp0 netns "$ns_p"
	ip -n "$ns_g" link set gvb0 address 52:54:00:9a:00:01
	ip -n "$ns_g" addr add 198.18.10.1/30 dev gvb0
	ip -n "$ns_p" addr add 198.18.10.2/30 dev gvbp0
	ip -n "$ns_g" link set gvb0 up
	ip -n "$ns_p" link set gvbp0 up
	# a member and its master sharing one MAC (as bond / net_failover do)
	ip -n "$ns_g" link add gvbm0 type veth peer name gvbm1
	ip -n "$ns_g" link set gvbm0 address 52:54:00:9a:00:02
	ip -n "$ns_g" link add gvbbr0 address 52:54:00:9a:00:02 type bridge
	ip -n "$ns_g" link set gvbm0 master gvbbr0
	ip -n "$ns_l" link set lo up
}

send_traffic() {
	nsg bash -c 'for i in $(seq 200); do
		printf "%1000s" x >/dev/udp/198.18.10.2/9; done' 2>/dev/null || true
}

# Host-side readback of gvb0, the plan for RATE (burst = rate x 1 ms, quantum = burst):
# root htb 1: default 0x10, 1:1 and 1:10 at RATE, a pfifo limit 1000 under 1:10.
host_shows_plan() { # TCRATE BURST
	local q c
	q=$(nsg tc -j qdisc show dev gvb0)
	c=$(nsg tc -d class show dev gvb0)
	jq -e 'length == 2 and
		(.[0] | .kind == "htb" and .handle == "1:" and .root and .options.default == "0x10") and
		(.[1] | .kind == "pfifo" and .parent == "1:10" and .options.limit == 1000)' \
		<<<"$q" >/dev/null &&
		grep -Eq "^class htb 1:1 root rate $1 ceil $1 linklayer ethernet burst $2b/1 mpu 0b cburst $2b/1 " <<<"$c" &&
		grep -Eq "^class htb 1:10 parent 1:1 leaf [0-9a-f]+: prio 0 quantum $2 rate $1 ceil $1 linklayer ethernet burst $2b/1 mpu 0b cburst $2b/1 " <<<"$c" &&
		[[ $(grep -c '^class' <<<"$c") -eq 2 ]]
}
leaf_handle() { nsg tc -j qdisc show dev gvb0 | jq -r '.[] | select(.parent == "1:10") | .handle'; }

t_info() {
	run "$tmp/g.sock" info
	check "guest-info: qemu-ga 7.2 with guest-exec enabled, not agent-limited" \
		grep -q '^version=7\.2.* limited=0$' "$tmp/out"
}

t_apply() {
	local h1 h2
	log_mark g
	run "$tmp/g.sock" apply gvb0 100mbit
	check "apply 100mbit: tc ran (exit $rc, $elapsed ms)" grep -qx 'ran=1' "$tmp/out"
	check "host-side tc readback shows exactly the 100mbit plan" host_shows_plan 100Mbit 12500
	check "fq_codel missing in this kernel: reported once, pfifo leaf used" \
		eval '[[ $(grep -c "lacks fq_codel" "$tmp/err") -eq 1 ]]'
	h1=$(leaf_handle)
	send_traffic
	log_mark g
	run "$tmp/g.sock" apply gvb0 100mbit
	# the readback alone: one tc -j -d -batch - with just its two show lines on stdin
	# shellcheck disable=SC2034,SC2016 # rb64 is used in the eval'd predicate
	rb64=$(printf 'qdisc show dev gvb0\nclass show dev gvb0\n' | base64 -w0)
	check "second apply, same limit: ran=0, the agent saw one exec, the readback alone" \
		eval '[[ $rc -eq 0 ]] && grep -qx "ran=0" "$tmp/out" &&
		      [[ $(requests_since g "\"execute\":\"guest-exec\"") -eq 1 &&
		         $(requests_since g "\"input-data\":\"$rb64\"") -eq 1 ]]'
	run "$tmp/g.sock" apply gvb0 250mbit
	h2=$(leaf_handle)
	check "new limit 250mbit: ran=1, readback shows the 250mbit plan" \
		eval '[[ $rc -eq 0 ]] && grep -qx "ran=1" "$tmp/out" && host_shows_plan 250Mbit 31250'
	check "updated in place: leaf qdisc handle kept ($h1 -> $h2), class 1:10 kept its counters" \
		eval '[[ -n $h1 && $h1 == "$h2" ]] &&
		      nsg tc -s class show dev gvb0 classid 1:10 | grep -Eq "Sent [1-9][0-9]* bytes"'
	run "$tmp/g.sock" state gvb0
	check "guest-tool state agrees: 250000000 bit/s, pfifo leaf" \
		grep -q 'have_root=1 defcls=0x10 have_parent=1 parent_rate=250000000 have_leaf=1 rate=250000000 .*leaf_qdisc=pfifo' "$tmp/out"
	run "$tmp/g.sock" apply gvb0 unlimited
	check "removal: ran=1, host readback shows no htb and no classes" \
		eval '[[ $rc -eq 0 ]] && grep -qx "ran=1" "$tmp/out" &&
		      ! nsg tc qdisc show dev gvb0 | grep -q htb &&
		      [[ -z $(nsg tc class show dev gvb0) ]]'
	run "$tmp/g.sock" apply gvb0 unlimited
	check "removal again: ran=0" eval '[[ $rc -eq 0 ]] && grep -qx "ran=0" "$tmp/out"'
}

t_invalid_name() {
	local name
	# an alias label (no device) and a name tc -batch would cut at its '#'
	for name in 'gvb0:1' 'gvb0#x'; do
		log_mark g
		run "$tmp/g.sock" apply "$name" 100mbit
		check "invalid interface name '$name': EINVAL and the agent received no request at all" \
			eval '[[ $rc -eq 1 ]] && grep -q "error EINVAL" "$tmp/err" &&
			      [[ $(requests_since g "execute") -eq 0 ]]'
	done
}

sysfs() { nsg cat "/sys/class/net/gvb0/statistics/$1"; }

t_counters() {
	local b_tx b_rx b_txp a_tx a_rx a_txp tx rx txp
	send_traffic
	b_tx=$(sysfs tx_bytes) b_rx=$(sysfs rx_bytes) b_txp=$(sysfs tx_packets)
	run "$tmp/g.sock" ifaces
	a_tx=$(sysfs tx_bytes) a_rx=$(sysfs rx_bytes) a_txp=$(sysfs tx_packets)
	# NAME MAC stats=1 RXB RXP TXB TXP
	read -r rx tx txp <<<"$(awk '$1 == "gvb0" {print $4, $6, $7}' "$tmp/out")"
	check "agent counters of gvb0 = sysfs within one sample: tx $b_tx<=$tx<=$a_tx, rx $b_rx<=$rx<=$a_rx, tx_packets $b_txp<=$txp<=$a_txp" \
		eval '[[ $rc -eq 0 && $tx -ge 200000 && $b_tx -le $tx && $tx -le $a_tx &&
		         $b_rx -le $rx && $rx -le $a_rx && $b_txp -le $txp && $txp -le $a_txp ]]'
	b_tx=$(sysfs tx_bytes)
	run "$tmp/g.sock" procnetdev
	a_tx=$(sysfs tx_bytes)
	tx=$(awk '$1 == "gvb0" {print $4}' "$tmp/out")
	check "/proc/net/dev through guest-file-read: gvb0 tx $b_tx<=$tx<=$a_tx; gvbm0 (no IP) listed too" \
		eval '[[ $rc -eq 0 && $b_tx -le $tx && $tx -le $a_tx ]] && grep -q "^gvbm0 " "$tmp/out"'
	check "guest-network-get-interfaces gives gvbm0 (bridge member, no IP) no statistics" \
		eval 'run "$tmp/g.sock" ifaces; grep -q "^gvbm0 52:54:00:9a:00:02 stats=0 " "$tmp/out"'
}

t_file_handles() {
	log_mark g
	run "$tmp/g.sock" procnetdev
	check "read_file: one guest-file-open, one guest-file-close" \
		eval '[[ $rc -eq 0 && $(requests_since g guest-file-open) -eq 1 &&
		         $(requests_since g guest-file-close) -eq 1 ]]'
}

t_tcpqueue() {
	run "$tmp/g.sock" apply gvb0 100mbit # daqs's HTB on gvb0
	log_mark g
	run "$tmp/g.sock" tcpqueue gvb0
	# nothing sends TCP: no flow; the root HTB found, nothing queued in it
	check "tcpqueue gvb0: ss and tc ran in the guest (two guest-execs): no sending flow, the root HTB read, empty ($(cat "$tmp/out"))" \
		eval '[[ $rc -eq 0 && $(requests_since g "\"execute\":\"guest-exec\"") -eq 2 ]] &&
		      grep -qx "flows=0 delay_ms=0.000 own=read backlog=0" "$tmp/out"'
}

t_discover() {
	run "$tmp/g.sock" discover 52:54:00:9A:00:01
	check "discover 52:54:00:9A:00:01 -> gvb0 (single match)" grep -qx gvb0 "$tmp/out"
	log_mark g
	run "$tmp/g.sock" discover 52:54:00:9a:00:02
	check "discover 52:54:00:9a:00:02 -> master gvbbr0 over its member gvbm0 (master read from sysfs)" \
		eval 'grep -qx gvbbr0 "$tmp/out" && [[ $(requests_since g "master/uevent") -eq 2 ]]'
	run "$tmp/g.sock" discover 52:54:00:9a:00:99
	check "discover an unknown MAC: ENOENT" eval '[[ $rc -eq 1 ]] && grep -q "error ENOENT" "$tmp/err"'
}

t_reap() {
	local pid
	log_mark g
	run "$tmp/g.sock" reap 200
	pid=$(tail -n +"$((mark + 1))" "$tmp/g.log" | sed -n 's/.*guest_exec_child_watch called, pid: \([0-9]*\).*/\1/p' | head -1)
	check "exec outliving its 200 ms deadline: ETIMEDOUT, pid kept, reaped by a later call" \
		eval 'grep -qx "exec=ETIMEDOUT pending=1" "$tmp/out" && grep -q "^after=0 " "$tmp/out"'
	check "the reap was a real exited status (no 'Invalid parameter' error), pid $pid polled after exit" \
		eval '[[ -n $pid ]] && ! grep -q "Invalid parameter" "$tmp/err" &&
		      tail -n +"$((mark + 1))" "$tmp/g.log" | sed -n "/child_watch called, pid: $pid/,\$p" |
		      grep -aq "\"guest-exec-status\",\"arguments\":{\"pid\":$pid}"'
}

t_limited() {
	start_qga "$ns_l" l ,guest-exec,guest-exec-status
	run "$tmp/l.sock" info
	check "qemu-ga -b guest-exec,guest-exec-status: reported agent-limited (once)" \
		eval 'grep -q "limited=1$" "$tmp/out" && [[ $(grep -c "agent-limited" "$tmp/err") -eq 1 ]]'
	log_mark l
	run "$tmp/l.sock" apply lo 100mbit
	check "apply on the agent-limited guest: EPERM in $elapsed ms, no guest-exec sent" \
		eval '[[ $rc -eq 1 && $elapsed -lt 1000 ]] && grep -q "error EPERM" "$tmp/err" &&
		      [[ $(requests_since l "guest-exec") -eq 0 ]]'
	run "$tmp/l.sock" ifaces
	check "the limited guest still reports interfaces" grep -q '^lo ' "$tmp/out"
}

setup
start_qga "$ns_g" g ""

t_info
t_apply
t_invalid_name
t_counters
t_file_handles
t_tcpqueue
t_discover
t_reap
t_limited

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
