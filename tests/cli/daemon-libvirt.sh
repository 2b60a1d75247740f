#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# daqsd's libvirt side against libvirt's test driver (no libvirtd, no root):
# the running domains of test:///.../node.xml become guests (names, uuid,
# SLA matched by uuid), the driver's refusal of agent commands is reported
# per guest as an agent error with libvirt's own message, and a libvirt that
# cannot be reached does not stop the daemon (it retries and says so).
# The real-guest path (libvirtd + TCG guests) is the testbed's system test.
#   usage: daemon-libvirt.sh PATH/TO/daqsd PATH/TO/daqsctl   (needs $DAQS_SRCDIR)
set -euo pipefail

daqsd=${1:?usage: daemon-libvirt.sh PATH/TO/daqsd PATH/TO/daqsctl}
daqsctl=${2:?usage: daemon-libvirt.sh PATH/TO/daqsd PATH/TO/daqsctl}
src=${DAQS_SRCDIR:?DAQS_SRCDIR must point at the source tree}
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$src/scripts/lib/report.sh"
tmp=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
# DESCRIPTION CMD...: report.sh's check; a failure also shows the last status and daqsd's log
check_daqsd() {
	local before=$failed
	check "$@"
	((failed == before)) || sed 's/^/    | /' "$tmp/st.json" "$tmp/d.log" 2>/dev/null | tail -30 || true
}

cat >"$tmp/sla.yaml" <<EOF2
version: 1
links: [{name: l0, capacity: 10gbit}]
vms:
  - uuid: 11111111-2222-3333-4444-555555555501
    class: guarantee
    min: 2gbit
EOF2

start() { # URI
	"$daqsd" --foreground -v --config "$tmp/sla.yaml" --connect "$1" --socket "$tmp/s.sock" \
		--state-dir "$tmp/state" >"$tmp/d.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		"$daqsctl" --socket "$tmp/s.sock" --json status >"$tmp/st.json" 2>/dev/null &&
			[[ $(jq '.cycle' "$tmp/st.json") -ge 3 ]] && return 0
		sleep 0.05
	done
	return 1
}
stop() { kill "$pid"; wait "$pid" || true; pid=; }
field() { jq -r --arg n "$1" ".vms[] | select(.name == \$n) | $2" "$tmp/st.json"; }

check_daqsd "daqsd starts on test:///$src/tests/data/libvirt/node.xml" start "test://$src/tests/data/libvirt/node.xml"
check_daqsd "both running domains are guests, from libvirt" \
	test "$(jq -r '[.vms[] | .name + "/" + .source] | sort | join(" ")' "$tmp/st.json")" = "vm-be/libvirt vm-guar/libvirt"
check_daqsd "vm-guar matched its SLA entry by uuid (guarantee, min 2gbit)" \
	test "$(field vm-guar '.uuid + " " + .cls + " " + (.min_bps|tostring)')" = \
	"11111111-2222-3333-4444-555555555501 guarantee 2000000000"
check_daqsd "vm-be got the defaults (best-effort)" test "$(field vm-be .cls)" = best-effort
check_daqsd "the agent refusal is an agent error with libvirt's message" \
	test "$(field vm-be '.agent + " " + (.last_error | test("not supported") | tostring)')" = "error true"
check_daqsd "the agent failure was logged once per guest, not once per cycle" \
	test "$(grep -c "call failed 'vm-be'" "$tmp/d.log")" = 1
check_daqsd "unmeasured guarantee VM is held protected, then on_missing applies (mode $(field vm-guar .mode))" \
	grep -qE '^(protected|failsafe)$' <<<"$(field vm-guar .mode)"
stop

# Admission (daqs-sla(5) ADMISSION) on the test driver's metadata domains: 10gbit at 75 % is
# 7.5gbit; the file's 2gbit guarantee (its domain not running) counts; one of the two 3gbit
# metadata guarantees fits and the other is refused for that VM alone; best-effort always fits.
cat >"$tmp/sla.yaml" <<EOF2
version: 1
links: [{name: l0, capacity: 10gbit}]
controller: {admission: 75%}
vms:
  - uuid: 11111111-2222-3333-4444-555555555501
    class: guarantee
    min: 2gbit
EOF2
check_daqsd "daqsd starts on test:///$src/tests/data/libvirt/node-admission.xml" \
	start "test://$src/tests/data/libvirt/node-admission.xml"
check_daqsd "admission: one of meta-a and meta-b is admitted by metadata, the other refused ($(jq -c '[.vms[] | [.name, .sla_source]]' "$tmp/st.json"))" \
	test "$(jq -r '[.vms[] | select(.name != "meta-c") | .sla_source] | sort | join(" ")' "$tmp/st.json")" = "defaults metadata"
refused=$(jq -r '.vms[] | select(.name != "meta-c" and .sla_source == "defaults") | .name' "$tmp/st.json")
check_daqsd "admission: $refused's sla_error gives the figures ($(field "$refused" .sla_error))" \
	test "$(field "$refused" .sla_error)" = "its domain metadata is refused, the SLA's defaults apply: admission on link 'l0': min 3gbit does not fit: 2.5gbit of 7.5gbit (75% of 10gbit) left for guarantees, 5gbit committed by 2"
check_daqsd "admission: $refused is best-effort (the defaults), meta-c best-effort by metadata" \
	test "$(field "$refused" .cls) $(field meta-c '.cls + "/" + .sla_source')" = "best-effort best-effort/metadata"
check_daqsd "admission: the refusal is logged once, as a warning naming the domain" \
	test "$(grep -c "warning: guest '$refused': its domain metadata is refused, the SLA's defaults apply: admission" "$tmp/d.log")" = 1
check_daqsd "status: link l0 commits 5gbit of 7.5gbit admittable, 2.5gbit free, 2 guarantees" \
	test "$(jq -r '.links[0] | "\(.committed_bps) \(.admittable_bps) \(.free_bps) \(.guarantees) \(.admission)"' "$tmp/st.json")" = "5000000000 7500000000 2500000000 2 0.75"
rc=0
"$daqsctl" --socket "$tmp/s.sock" admit --link l0 --min 2.5gbit >"$tmp/admit.out" 2>&1 || rc=$?
check_daqsd "daqsctl admit --min 2.5gbit: yes, exit 0 ($(cat "$tmp/admit.out"))" test "$rc" = 0
rc=0
"$daqsctl" --socket "$tmp/s.sock" admit --link l0 --min 3gbit >"$tmp/admit.out" 2>&1 || rc=$?
check_daqsd "daqsctl admit --min 3gbit: no, exit 3, as daqsd decided for $refused ($(cat "$tmp/admit.out"))" \
	test "$rc:$(cat "$tmp/admit.out")" = "3:no: min 3gbit does not fit: 2.5gbit of 7.5gbit (75% of 10gbit) left for guarantees, 5gbit committed by 2"
"$daqsctl" --socket "$tmp/s.sock" metrics >"$tmp/metrics.out" 2>&1 || true
check_daqsd "metrics: daqs_link_free_bytes_per_second{link=\"l0\"} 312500000 (2.5gbit/8)" \
	grep -qx 'daqs_link_free_bytes_per_second{link="l0"} 312500000' "$tmp/metrics.out"
stop

check_daqsd "daqsd starts even when libvirt cannot be reached" \
	start "qemu+unix:///system?socket=$tmp/no-libvirtd.sock"
check_daqsd "... with no guests, and says it retries" \
	test "$(jq '.vms | length' "$tmp/st.json")" = 0 -a -n "$(grep "libvirt: cannot connect.*retrying" "$tmp/d.log")"
stop

# One descriptor per socket guest: daqsd lifts its soft open-file limit to the hard one.
hard=$(ulimit -Hn)
if [[ $hard != unlimited && $hard -gt 256 ]]; then
	ulimit -Sn 256
	check_daqsd "started with a soft limit of 256 open files" start "qemu+unix:///system?socket=$tmp/no-libvirtd.sock"
	soft=$(awk '/^Max open files/ { print $4 }' "/proc/$pid/limits")
	check_daqsd "... daqsd raised its soft limit to the hard one ($soft of $hard)" test "$soft" = "$hard"
	stop
	ulimit -Sn "$hard"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
