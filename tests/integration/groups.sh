#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Tenant groups end to end on real parts: four cheap guests (network
# namespaces, each with a real qemu-ga on a unix socket) behind a shared
# 1 gbit FIFO bottleneck (scripts/lib/fixture.sh); daqsd pushes real HTB
# limits into them; iperf3 measures what each really gets.
#   tenant acme, min 400mbit: a1 (min 100mbit) and a2 (min 200mbit), 1 TCP
#     stream each; a member's min is its share of the group's (1:2);
#   tenant lab, max 150mbit: l1 (best-effort, 4 streams);
#   h: best-effort outside any group, 5 streams.
# Checked:
#  1. admission counts the group's min once: `daqsctl capacity` shows
#     400mbit committed (not the members' 300mbit);
#  2. a1 sending alone in acme gets the whole group min: its share_min is
#     400mbit and its goodput >= 95 % of that, against l1 and h;
#  3. l1 is held to lab's max: its HTB rate and its goodput at most 150mbit,
#     and what the group leaves goes to the others (the link stays full);
#  4. a1 and a2 sending: shares 133/267mbit in status, and each gets >= 95 %
#     of its share (the group >= 95 % of 400mbit).
#   usage: groups.sh PATH/TO/daqsd PATH/TO/daqsctl     (root; 77 = skipped)
# Touches only namespaces dqf<pid>r<random>-* (198.18.64.0/24), a mktemp
# directory and the processes it starts (stopped by PID). About 60 s.
set -euo pipefail

daqsd=${1:?usage: groups.sh PATH/TO/daqsd PATH/TO/daqsctl}
daqsctl=${2:?usage: groups.sh PATH/TO/daqsd PATH/TO/daqsctl}
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
require_root_netns
for t in tc iperf3 jq timeout awk; do
	command -v "$t" >/dev/null || skip "$t not installed"
done
qga=$(command -v qemu-ga || echo /usr/sbin/qemu-ga)
[[ -x $qga ]] || skip "qemu-ga not installed"

tmp=$(mktemp -d /tmp/daqs-groups.XXXXXX)
namespaces=()
pids=()
# shellcheck source=../../scripts/lib/agents.sh
. "$here/../../scripts/lib/agents.sh"
# shellcheck source=../../scripts/lib/fixture.sh
. "$here/../../scripts/lib/fixture.sh"
DAQSD_PID=
trap 'set +e; [[ -n $DAQSD_PID ]] && stop_pid "$DAQSD_PID"; fixture_down; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

SOCK=$tmp/daqsd.sock
recv_bps() { jq -er '.end.sum_received.bits_per_second' "$1" 2>/dev/null || echo 0; }
ctl() { "$daqsctl" --socket "$SOCK" "$@"; }
status_json() { ctl --json status >"$tmp/st.json" 2>"$tmp/err"; }
vm_field() { jq -r --arg vm "$1" ".vms[] | select(.name == \$vm) | $2" "$tmp/st.json"; }
ready() { status_json 2>/dev/null && [[ $(jq '[.vms[] | select(.agent == "ok")] | length' "$tmp/st.json") == 4 ]]; }
# guest I's HTB leaf rate on eth0 in bit/s ("" none); iproute2 6.1 prints classes as text
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

echo "# fixture: 4 guests, 1 gbit FIFO bottleneck"
fixture_up 4 1gbit || {
	echo "FAIL: fixture_up"
	exit 1
}
names=(a1 a2 l1 h)
for i in 1 2 3 4; do
	start_qga "$(fixture_ns "$i")" "${names[i - 1]}"
done
cat >"$tmp/sla.yaml" <<EOF
version: 1
links:
  - {name: l0, capacity: 1gbit}
controller:
  period: 200ms
groups:
  - {name: acme, min: 400mbit}
  - {name: lab, max: 150mbit}
vms:
  - {name: a1, class: guarantee, min: 100mbit, group: acme, agent: $tmp/a1.sock, interface: eth0}
  - {name: a2, class: guarantee, min: 200mbit, group: acme, agent: $tmp/a2.sock, interface: eth0}
  - {name: l1, class: best-effort, group: lab, agent: $tmp/l1.sock, interface: eth0}
  - {name: h, class: best-effort, agent: $tmp/h.sock, interface: eth0}
EOF
"$daqsd" --check-config "$tmp/sla.yaml" >"$tmp/out" 2>"$tmp/err" || {
	echo "FAIL: the SLA is refused"
	cat "$tmp/err"
	exit 1
}
"$daqsd" --foreground --config "$tmp/sla.yaml" --connect none --socket "$SOCK" \
	--state-dir "$tmp/state" -v >>"$tmp/daqsd.log" 2>&1 &
DAQSD_PID=$!
pids+=("$DAQSD_PID")
wait_for 250 ready || {
	echo "FAIL: daqsd did not become ready"
	tail -20 "$tmp/daqsd.log"
	exit 1
}

# 1. admission
ctl --json capacity >"$tmp/cap.json" 2>"$tmp/err" || true
cp "$tmp/cap.json" "$tmp/out"
check "capacity: 400mbit committed on l0 (the group's min once, not its members' 300mbit)" \
	test "$(jq -r '.links[0].committed_bps' "$tmp/cap.json")" = 400000000

# Each client: STREAMS per guest, T seconds, the first 3 left out (-O 3).
run_phase() { # TAG T GUEST:STREAMS...; samples the status at T/2 into $tmp/st-TAG.json
	local tag=$1 t=$2 spec p
	shift 2
	local bg=()
	for spec in "$@"; do
		fixture_iperf_bg "${spec%%:*}" "${spec##*:}" "$t" "$tmp/$tag-${spec%%:*}.json" -O 3
		bg+=("$FIXTURE_PID")
	done
	sleep "$(awk -v t="$t" 'BEGIN { print t / 2 + 1.5 }')"
	status_json && cp "$tmp/st.json" "$tmp/st-$tag.json"
	echo "l1 htb $(htb_rate 3)" >"$tmp/htb-$tag"
	for p in "${bg[@]}"; do
		fixture_wait "$p" || true
	done
}

# 2, 3. a1 alone in acme, against l1 and h
run_phase alone 10 1:1 3:4 4:5
r_a1=$(recv_bps "$tmp/alone-1.json")
r_l1=$(recv_bps "$tmp/alone-3.json")
r_h=$(recv_bps "$tmp/alone-4.json")
echo "# a1 alone: a1 $(mbit "$r_a1"), l1 $(mbit "$r_l1"), h $(mbit "$r_h") Mbit/s"
cp "$tmp/st-alone.json" "$tmp/st.json"
cp "$tmp/st.json" "$tmp/out"
check "status: a1 is in group acme, its share of the min is all of it (400mbit)" \
	test "$(vm_field a1 '.group + " " + (.share_min_bps | tostring)')" = "acme 400000000"
check "a1 alone in acme gets $(mbit "$r_a1") Mbit/s >= 95 % of the group's 400mbit" \
	fcmp "$r_a1" '>=' 380e6
check "status: l1's share of lab's max is 150mbit ($(vm_field l1 .share_max_bps))" \
	test "$(vm_field l1 .share_max_bps)" = 150000000
htb_l1=$(awk '{ print $3 }' "$tmp/htb-alone")
echo "l1's HTB: ${htb_l1:-none}" >"$tmp/out"
check "l1's HTB in the guest is at most lab's 150mbit (${htb_l1:-none})" \
	fcmp "${htb_l1:-inf}" '<=' 150e6
check "l1 gets $(mbit "$r_l1") Mbit/s, at most lab's 150mbit (+2 %)" fcmp "$r_l1" '<=' 153e6
sum=$(awk -v a="$r_a1" -v b="$r_l1" -v c="$r_h" 'BEGIN { print a + b + c }')
check "work-conserving: a1 + l1 + h = $(mbit "$sum") Mbit/s >= 85 % of the 1 gbit link" \
	fcmp "$sum" '>=' 850e6

# 4. both members send: 1:2 shares of 400mbit
run_phase both 12 1:1 2:1 3:4 4:5
r_a1=$(recv_bps "$tmp/both-1.json")
r_a2=$(recv_bps "$tmp/both-2.json")
r_h=$(recv_bps "$tmp/both-4.json")
echo "# both: a1 $(mbit "$r_a1"), a2 $(mbit "$r_a2"), l1 $(mbit "$(recv_bps "$tmp/both-3.json")"), h $(mbit "$r_h") Mbit/s"
cp "$tmp/st-both.json" "$tmp/st.json"
s1=$(vm_field a1 .share_min_bps)
s2=$(vm_field a2 .share_min_bps)
echo "shares $s1 $s2" >"$tmp/out"
check "status: shares of acme's 400mbit by the members' mins 1:2 ($s1, $s2)" \
	test "$s1 $s2" = "133333333 266666667"
check "a1 gets $(mbit "$r_a1") Mbit/s >= 95 % of its share 133mbit" fcmp "$r_a1" '>=' 126.7e6
check "a2 gets $(mbit "$r_a2") Mbit/s >= 95 % of its share 267mbit" fcmp "$r_a2" '>=' 253.3e6
check "acme gets $(mbit "$(awk -v a="$r_a1" -v b="$r_a2" 'BEGIN { print a + b }')") Mbit/s >= 95 % of 400mbit" \
	fcmp "$(awk -v a="$r_a1" -v b="$r_a2" 'BEGIN { print a + b }')" '>=' 380e6

echo "$passed passed, $failed failed"
((failed == 0))
