#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The polling worker pool (lib/driver/poller.c) over 6 real qemu-ga daemons, each in
# its own network namespace (one namespace plus one socket = one fake guest),
# driven by tests/poller_tool.c: one SIGSTOPped agent must not delay the 5
# others, its job must fail ETIMEDOUT at the cycle deadline, and after
# SIGCONT the same sessions must serve all 6 again.
#   usage: poller.sh PATH/TO/poller-tool      (root; exit 77 = skipped)
# Needs: root, ip netns, qemu-ga. Touches only namespaces named pollr-<pid>-*
# and a mktemp directory.
# Predicates are passed to check() as single-quoted eval strings on purpose.
# shellcheck disable=SC2016,SC2034
set -euo pipefail

tool=${1:?usage: poller.sh PATH/TO/poller-tool}
here=$(cd "$(dirname "$0")" && pwd)
agents=6
stopped=2 # index of the agent that gets SIGSTOPped
deadline_ms=500

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
require_root_netns
qga=$(command -v qemu-ga || echo /usr/sbin/qemu-ga)
[[ -x $qga ]] || skip "qemu-ga not installed"
[[ -x $tool ]] || {
	echo "poller.sh: $tool is not executable" >&2
	exit 2
}

tmp=$(mktemp -d /tmp/pollr.XXXXXX)
namespaces=()
pids=() # every agent and the driver, killed by PID on exit

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/agents.sh
. "$here/../../scripts/lib/agents.sh"
trap cleanup EXIT

socks=()
apids=()
for ((i = 0; i < agents; i++)); do
	ns=pollr-$$-$i
	ip netns add "$ns"
	namespaces+=("$ns")
	ip netns exec "$ns" ip link set lo up
	start_qga "$ns" "g$i"
	apids+=("$qga_pid")
	socks+=("$tmp/g$i.sock")
done

coproc DRIVER { exec "$tool" "$deadline_ms" "${socks[@]}" 2>"$tmp/err"; }
# bash unsets DRIVER_PID when the coprocess exits: keep our own copy
# shellcheck disable=SC2153 # DRIVER_PID is set by bash for the coproc
driver_pid=$DRIVER_PID
pids+=("$driver_pid")

# phase N NAME: N cycles; the driver's lines in $tmp/NAME
phase() {
	local line out=$tmp/$2
	: >"$out"
	echo "cycles $1" >&"${DRIVER[1]}"
	while read -r -t 30 -u "${DRIVER[0]}" line; do
		[[ $line == end ]] && return 0
		echo "$line" >>"$out"
	done
	echo "poller.sh: driver gave no 'end' for phase $2" >&2
	return 1
}

cycles_within() { # FILE MAX_MS: every cycle took at most MAX_MS
	awk -v max="$2" '$1 == "cycle" { n++; if ($4 > max) bad++ } END { exit !(n > 0 && !bad) }' "$1"
}
max_cycle() { awk '$1 == "cycle" && $4 > m { m = $4 } END { print m + 0 }' "$1"; }
jobs_status() { # FILE STATUS [GUEST|healthy]: every job matching GUEST has STATUS
	awk -v st="$2" -v g="${3:-all}" -v s="$stopped" '$1 == "job" &&
	    (g == "all" || (g == "healthy" && $3 != s) || $3 == g) { n++; if ($4 != st) bad++ }
	    END { exit !(n > 0 && !bad) }' "$1"
}
healthy_ms() { # FILE: "median max" of the healthy guests' completion times
	awk -v s="$stopped" '$1 == "job" && $3 != s { print $7 }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { printf "%s %s\n", v[int((NR + 1) / 2)], v[NR] }'
}
max_below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

phase 3 warm
read -r med max < <(healthy_ms "$tmp/warm")
check "all $agents agents healthy: every job ok (median ${med} ms, max ${max} ms)" \
	jobs_status "$tmp/warm" ok

kill -STOP "${apids[$stopped]}"
phase 5 stopped
read -r med max < <(healthy_ms "$tmp/stopped")
check "agent $stopped SIGSTOPped: every cycle within $deadline_ms + 100 ms (max $(max_cycle "$tmp/stopped") ms)" \
	cycles_within "$tmp/stopped" $((deadline_ms + 100))
check "stopped agent's job fails ETIMEDOUT in each of 5 cycles" \
	jobs_status "$tmp/stopped" ETIMEDOUT "$stopped"
check "the 5 healthy guests' jobs all ok while one agent is stopped" \
	jobs_status "$tmp/stopped" ok healthy
check "healthy jobs complete in < 100 ms from the cycle start (median ${med} ms, max ${max} ms)" \
	max_below "$max" 100
check "stopped agent's job ends at the deadline (ms >= $deadline_ms)" \
	eval 'awk -v s=$stopped -v d=$deadline_ms '"'"'$1 == "job" && $3 == s && $7 < d { bad++ }
	      END { exit bad > 0 }'"'"' "$tmp/stopped"'

kill -CONT "${apids[$stopped]}"
phase 3 resumed
read -r med max < <(healthy_ms "$tmp/resumed")
check "after SIGCONT: every job of the next 3 cycles ok, all $agents guests (max cycle $(max_cycle "$tmp/resumed") ms)" \
	jobs_status "$tmp/resumed" ok

drv_in=${DRIVER[1]}
exec {drv_in}>&-
wait "$driver_pid" && drc=0 || drc=$?
check "driver exits 0 at EOF; one transport log line per timed-out call ($(grep -c . "$tmp/err" || true) lines)" \
	eval '[[ $drc -eq 0 ]] && [[ $(grep -c "poller-tool: agent: " "$tmp/err") -eq 5 ]]'

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
