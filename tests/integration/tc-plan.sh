#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The in-guest tc plan (lib/core/tcplan.c) against the real kernel and tc: plans
# from tcplan-tool are applied with `tc -batch -` in a network namespace, read
# back with `tc -j qdisc show` / `tc -d -j class show` and checked with
# `tcplan-tool check`; updates must be in place (qdisc handle and statistics
# survive), removal must leave no HTB, foreign roots must be replaced.
#   usage: tc-plan.sh PATH/TO/tcplan-tool      (root; exit 77 = skipped)
# Needs: root, ip netns, veth, sch_htb. Touches only the namespace
# tcplan-<pid> (198.18.0.0/24 inside it) and a mktemp directory.
set -euo pipefail

tool=${1:?usage: tc-plan.sh PATH/TO/tcplan-tool}

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
require_root_netns
command -v tc >/dev/null || skip "tc not installed"
[[ -x $tool ]] || {
	echo "tc-plan.sh: $tool is not executable" >&2
	exit 2
}

ns=tcplan-$$
tmp=$(mktemp -d /tmp/tcplan.XXXXXX)

cleanup() {
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

nsx() { ip netns exec "$ns" "$@"; }

ip netns add "$ns" || skip "cannot create a network namespace"
nsx ip link set lo up
nsx ip link add v0 type veth peer name v1 2>/dev/null || skip "veth unavailable"
nsx ip link add m0 numtxqueues 4 numrxqueues 4 type veth peer name m1 \
	numtxqueues 4 numrxqueues 4
for d in v0 v1 m0 m1; do nsx ip link set "$d" up; done
nsx ip addr add 198.18.0.1/24 dev v0
nsx ip neigh replace 198.18.0.99 lladdr 02:00:00:00:00:99 dev v0
if ! nsx tc qdisc add dev v1 root handle 1: htb default 10 2>/dev/null; then
	skip "sch_htb unavailable"
fi
nsx tc qdisc del dev v1 root

readback() { # DEV -> $tmp/q.json $tmp/c.out
	nsx tc -j qdisc show dev "$1" >"$tmp/q.json"
	nsx tc -d -j class show dev "$1" >"$tmp/c.out"
}

# Plan from a fresh readback (as the daemon does), apply it; stderr kept.
apply() { # DEV RATE [tool flags...]
	local dev=$1 rate=$2
	shift 2
	readback "$dev"
	"$tool" plan "$dev" "$rate" "$tmp/q.json" "$tmp/c.out" $leafflag "$@" >"$tmp/batch"
	nsx tc -batch - <"$tmp/batch" 2>"$tmp/err"
}

matches() { # DEV RATE
	readback "$1"
	"$tool" check "$1" "$2" "$tmp/q.json" "$tmp/c.out"
}
differs() { ! matches "$@" 2>/dev/null; }
quiet() { [[ ! -s $tmp/err ]] || { cat "$tmp/err"; false; }; }
no_root_line() { ! grep -q ' root handle 1: htb' "$tmp/batch"; }

root_sent() { nsx tc -s -j qdisc show dev "$1" | jq -e '.[] | select(.root and .handle == "1:") | .bytes'; }
leaf_handle() { nsx tc -j qdisc show dev "$1" | jq -er '.[] | select(.parent == "1:10") | .handle'; }
class_sent() { nsx tc -s class show dev "$1" classid "$2" | awk '/Sent/ { print $2; exit }'; }
traffic() {
	# shellcheck disable=SC2016 # expands in the inner shell
	nsx bash -c 'for i in $(seq 20); do echo tcplan-traffic >/dev/udp/198.18.0.99/9; done' || true
}
bigger() { [[ $1 -gt 0 && $2 -ge $1 ]]; }
no_htb() { ! nsx tc qdisc show dev "$1" | grep -q '^qdisc htb'; }

# fq_codel is a module the guest (and this kernel) may lack.
if nsx tc qdisc add dev v1 root fq_codel 2>/dev/null; then
	nsx tc qdisc del dev v1 root
	leafflag=""
	echo "# fq_codel available: leaves are fq_codel"
else
	leafflag="--no-fq-codel"
	echo "# fq_codel unavailable here: leaves are pfifo"
	readback v1
	"$tool" plan v1 1gbit "$tmp/q.json" "$tmp/c.out" >"$tmp/batch"
	check "plan with fq_codel is refused by a kernel without it" \
		bash -c "! ip netns exec $ns tc -batch - <$tmp/batch 2>/dev/null"
	check "pfifo plan then repairs the leaf" apply v1 1gbit
	check "v1 1gbit in force with a pfifo leaf" matches v1 1gbit
	check "leaf qdisc is pfifo" bash -c "[[ \$(ip netns exec $ns tc -j qdisc show dev v1 | jq -r '.[] | select(.parent == \"1:10\") | .kind') == pfifo ]]"
fi

# First apply on a device with the default root (noqueue on veth).
check "first apply 10gbit" apply v0 10gbit
check "first apply: nothing on stderr" quiet
check "10gbit in force" matches v0 10gbit
check "20gbit not in force" differs v0 20gbit

traffic
s_root=$(root_sent v0) || s_root=0
s_cls=$(class_sent v0 1:10) || s_cls=0
h_leaf=$(leaf_handle v0) || h_leaf=none
check "traffic went through class 1:10 ($s_cls bytes)" bigger 1 "$s_cls"

check "second apply of 10gbit" apply v0 10gbit
check "second apply: no root line" no_root_line
check "second apply: nothing on stderr" quiet
check "second apply: root qdisc 1: statistics kept" bigger "$s_root" "$(root_sent v0)"
check "second apply: class 1:10 statistics kept" bigger "$s_cls" "$(class_sent v0 1:10)"
check "second apply: leaf qdisc handle $h_leaf kept" [ "$(leaf_handle v0)" = "$h_leaf" ]
check "10gbit still in force" matches v0 10gbit

check "update to 1.5gbit" apply v0 1.5gbit
check "update: no root line" no_root_line
check "update: nothing on stderr" quiet
check "1.5gbit in force" matches v0 1.5gbit
check "10gbit no longer in force" differs v0 10gbit
check "update: class 1:10 statistics kept" bigger "$s_cls" "$(class_sent v0 1:10)"
check "update: root qdisc 1: statistics kept" bigger "$s_root" "$(root_sent v0)"
check "update: leaf qdisc handle $h_leaf kept" [ "$(leaf_handle v0)" = "$h_leaf" ]

for r in 1mbit 10mbit 100mbit 937.5mbit 1gbit 2.5gbit 10gbit 25gbit 34359738368bit 40gbit \
	1234567891bit 333333333bit 1tbit; do
	if apply v0 "$r" && quiet; then pass "apply $r, nothing on stderr"; else fail "apply $r"; fi
	check "$r in force (rate, ceil, bursts)" matches v0 "$r"
	check "$r: no 0b burst" bash -c "! ip netns exec $ns tc class show dev v0 | grep -q 'burst 0b'"
done

# (this prints the kernel's "quantum of class 10010 is big" warning: hidden)
check "class change with only a rate collapses the burst" \
	bash -c "ip netns exec $ns tc class change dev v0 parent 1:1 classid 1:10 htb rate 40gbit 2>/dev/null"
check "collapsed burst is not a match" differs v0 40gbit
check "re-apply repairs it" apply v0 40gbit
check "40gbit in force again" matches v0 40gbit

"$tool" remove v0 >"$tmp/batch"
check "remove" bash -c "ip netns exec $ns tc -batch - <$tmp/batch"
check "remove leaves no HTB" no_htb v0
check "unlimited matches after removal" matches v0 unlimited
check "unlimited without a root is an empty plan" \
	bash -c "[[ -z \$('$tool' apply v0 unlimited) ]]"
check "apply after removal" apply v0 2gbit
check "2gbit in force after re-creation" matches v0 2gbit
check "unlimited plan removes it" apply v0 unlimited
check "unlimited in force" matches v0 unlimited
check "unlimited leaves no HTB" no_htb v0

# Foreign roots on a 4-queue device: replaced, or deleted first when they hold 1:.
for pre in mq pfifo_fast "pfifo limit 10" "handle 5: bfifo" "handle 1: pfifo" \
	"handle 1: htb default 20"; do
	nsx tc qdisc del dev m0 root 2>/dev/null || true
	# shellcheck disable=SC2086 # $pre is several words on purpose
	nsx tc qdisc replace dev m0 root $pre
	check "apply 5gbit over root '$pre'" apply m0 5gbit
	check "5gbit in force over root '$pre'" matches m0 5gbit
done

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
