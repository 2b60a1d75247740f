#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test on real libvirt guests (scripts/testbed: 2 TCG guests with
# qemu-guest-agent behind a shared 1 gbit HTB "NIC"), daqsd over the libvirt
# transport (qemu:///system) with sla/testbed.yaml:
#   daqs-tb-g1 guarantee 300mbit (1 TCP stream), daqs-tb-g2 best-effort (5).
# (TCG guests are CPU-bound: with both sending and in-guest HTB, the two
# together move 600-750 Mbit/s, not the link's 956; a 400mbit min left G at
# 364-496 Mbit/s in three runs, so the testbed SLA asks for 300.)
# Checked:
#  1. under contention G gets >= 95 % of its min (iperf3 goodput);
#  2. when G is idle, B reclaims the link;
#  3. B is reset (rebooted: its qdiscs are lost): daqsd puts B's limit back
#     once B's agent is up again;
#  4. a libvirtd restart: daqsd reconnects, resyncs, and its guests answer
#     again within a few seconds;
#  5. down leaves nothing behind;
#  6. each guest is counted on its tap, found in its domain XML (host_counters: auto);
#  7. SLAs from domain metadata (virsh metadata): the file wins for a listed
#     VM; for an unlisted one daqsd takes class/min/max from it at start and
#     on a live change, refuses a bad element for that VM alone, and the
#     metadata's guarantee holds under contention.
#   usage: system-libvirt.sh PATH/TO/daqsd PATH/TO/daqsctl   (root; 77 = skipped)
# About 2-3 minutes (guest boot and TCG's slowness).
set -euo pipefail

daqsd=${1:?usage: system-libvirt.sh PATH/TO/daqsd PATH/TO/daqsctl}
daqsctl=${2:?usage: system-libvirt.sh PATH/TO/daqsd PATH/TO/daqsctl}
here=$(cd "$(dirname "$0")" && pwd)
tb=$here/../../scripts/testbed
state=${DAQS_TESTBED_STATE:-/run/daqs-testbed}

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
require_root_netns
[[ -x $tb ]] || skip "scripts/testbed missing"
if [[ -s $state/journal ]]; then
	echo "system-libvirt: a testbed is already up ($state); not touching it" >&2
	exit 1
fi

tmp=$(mktemp -d /tmp/daqs-system.XXXXXX)
DAQSD_PID=
up=0
finish() {
	set +e
	[[ -n $DAQSD_PID ]] && kill "$DAQSD_PID" 2>/dev/null && wait "$DAQSD_PID"
	if ((up)); then
		if ((failed)); then
			echo "# daqsd log (last 30 lines):"
			tail -30 "$tmp/daqsd.log" | sed 's/^/#   /'
		fi
		"$tb" down >"$tmp/down.out" 2>&1 || cat "$tmp/down.out"
	fi
	rm -rf "$tmp"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exec >/dev/null 2>&1; exit 141' PIPE # the reader went away (| head): clean up all the same, quietly

SOCK=$tmp/daqsd.sock
G=daqs-tb-g1
B=daqs-tb-g2
MIN=300000000
recv() { jq -r '.end.sum_received.bits_per_second // 0' "$1" 2>/dev/null || echo 0; }
status_json() { "$daqsctl" --socket "$SOCK" --json status >"$tmp/st.json" 2>/dev/null; }
agents_ok() {
	status_json && [[ $(jq '[.vms[] | select(.agent == "ok" and .iface != "")] | length' "$tmp/st.json") == 2 ]]
}
agent_answers() { "$tb" agent "$1" '{"execute":"guest-ping"}' >/dev/null 2>&1; }
agent_gone() { ! agent_answers "$1"; }
b_limited() { [[ -n $(b_htb) ]]; }
cycles() { status_json && jq -r .cycle "$tmp/st.json"; }
cycle_past() { status_json && fcmp "$(jq -r .cycle "$tmp/st.json")" '>' "$1"; }
logged() { grep -q -- "$1" "$tmp/daqsd.log"; }
now() { echo "$EPOCHREALTIME"; }
# B's HTB class through its agent (the guest's own tc): non-empty when limited
b_htb() { "$tb" exec "$B" /usr/sbin/tc class show dev eth0 2>/dev/null | grep -m1 'class htb 1:1 ' || true; }

t0=$(now)
if ! "$tb" up --guests 2 --capacity 1gbit >"$tmp/up.out" 2>&1; then
	up=1
	fail "testbed up"
	sed 's/^/#   /' "$tmp/up.out" | tail -20
	echo "$passed passed, $failed failed"
	exit 1
fi
up=1
echo "# testbed up in $(since "$t0") s:"
grep -E '^daqs-tb-g' "$tmp/up.out" | sed 's/^/#   /'

"$daqsd" --foreground -v --config "$here/../../sla/testbed.yaml" --connect qemu:///system \
	--socket "$SOCK" --state-dir "$tmp/state" >"$tmp/daqsd.log" 2>&1 &
DAQSD_PID=$!
check "daqsd sees both domains through libvirt, agents ok, interfaces discovered by MAC" \
	wait_until 60 agents_ok
check "the discovered interfaces are eth0 (virtio) in both" \
	test "$(jq -r '[.vms[] | .iface + "/" + .iface_kind + "/" + .source] | join(" ")' "$tmp/st.json")" = \
	"eth0/virtio/libvirt eth0/virtio/libvirt"
# host_counters: auto: each guest's tap (scripts/testbed names it daqstb-gN) from its live XML
check "each guest is counted on its tap, found in its domain XML" \
	test "$(jq -r '[.vms[] | .name + "=" + .host_iface + "/" + (.host_iface_auto | tostring)] | sort | join(" ")' "$tmp/st.json")" = \
	"daqs-tb-g1=daqstb-g1/true daqs-tb-g2=daqstb-g2/true"

# G 1 stream, B 5 streams, 14 s, into $tmp/g$1.json and $tmp/b$1.json; gl = G's
# goodput after the first 4 s
contend() { # SUFFIX
	local pg pb
	"$tb" iperf "$G" 1 14 "$tmp/g$1.json" >/dev/null 2>"$tmp/g$1.err" &
	pg=$!
	"$tb" iperf "$B" 5 14 "$tmp/b$1.json" >/dev/null 2>"$tmp/b$1.err" &
	pb=$!
	wait "$pg" || true
	wait "$pb" || true
	gl=$(jq -r '[.intervals[] | select(.sum.start >= 3.9) | .sum.bits_per_second] | add / length' "$tmp/g$1.json" 2>/dev/null || echo 0)
}

# 1. contention: G's goodput over the last 10 s
contend ""
echo "# contention: G $(mbit "$(recv "$tmp/g.json")") Mbit/s over 14 s ($(mbit "$gl") over the last 10 s), B $(mbit "$(recv "$tmp/b.json")")"
check "contention: G gets $(mbit "$gl") Mbit/s after the first 4 s, >= 95 % of its 300 mbit min" \
	fcmp "$gl" '>=' "$(awk -v m="$MIN" 'BEGIN { print 0.95 * m }')"
status_json || true
check "contention: both guests' rates come from their taps (counters: $(jq -r '[.vms[].counters] | join(", ")' "$tmp/st.json"))" \
	test "$(jq -r '[.vms[] | .counters[0:4]] | join(" ")' "$tmp/st.json")" = "host host"

# 2. G idle: B alone, 14 s; its last 5 s (at a 1 s period with 10 % steps
# the limit takes a few seconds to open fully under TCG)
"$tb" iperf "$B" 5 14 "$tmp/b-alone.json" >/dev/null 2>"$tmp/b-alone.err" || true
bl=$(jq -r '[.intervals[] | select(.sum.start >= 8.9) | .sum.bits_per_second] | add / length' "$tmp/b-alone.json" 2>/dev/null || echo 0)
status_json || true
echo "# G idle: B gets $(mbit "$bl") Mbit/s over its last 5 s; B's limit now $(jq -r '.vms[] | select(.name == "'"$B"'") | .limit_bps' "$tmp/st.json")"
if fcmp "$bl" '>=' 700e6; then
	pass "G idle: B reclaims the link, $(mbit "$bl") Mbit/s >= 700 (a TCG guest alone: 840-940)"
else
	fail "G idle: B reclaims the link, $(mbit "$bl") Mbit/s >= 700 (a TCG guest alone: 840-940)"
	echo "# B alone, per interval (s: Mbit/s, retransmits):"
	jq -r '.intervals[] | "#   \(.sum.start | floor): \(.sum.bits_per_second / 1e6 | floor) \(.sum.retransmits // "-")"' "$tmp/b-alone.json" 2>/dev/null | head -12 || true
	grep "daqs-tb-g2'\?: limit\|cycle" "$tmp/daqsd.log" | tail -12 | sed 's/^/#   /' || true
	head -5 "$tmp/b-alone.err" 2>/dev/null || true
fi

# 3. reboot B under contention (B is limited while G sends)
"$tb" iperf "$G" 1 60 "$tmp/g-long.json" >/dev/null 2>&1 &
pgl=$!
check "before the reboot: B has an HTB limit in the guest (within 10 s of G sending)" wait_until 10 b_limited
t_reboot=$(now)
# `virsh reset` (the reset button): the testbed's initramfs /init handles
# neither ACPI nor the agent's reboot request, so `virsh reboot` is ignored
# by the guest; a reset restarts the guest kernel all the same (qdiscs lost,
# counters from zero, the agent reconnects).
virsh -q -c qemu:///system reset "$B" >/dev/null
# the agent goes away, then comes back after the reboot (10-30 s under TCG)
wait_until 30 agent_gone "$B" || true
wait_until 120 agent_answers "$B" || true
t_agent=$(now)
up_s=$("$tb" exec "$B" /bin/cat /proc/uptime 2>/dev/null | awk '{ print $1 }')
check "B really rebooted: its uptime ${up_s:-?} s is below the $(since "$t_reboot") s since the reset" \
	fcmp "${up_s:-1e9}" '<' "$(since "$t_reboot")"
check "after the reboot: daqsd put B's limit back within 10 s of its agent answering" \
	wait_until 10 b_limited
echo "# libvirt agent events daqsd logged: $(grep -c "agent of '$B' connected" "$tmp/daqsd.log" || true); counter resets: $(grep -c "'$B': counters went backwards" "$tmp/daqsd.log" || true)"
echo "# reboot: agent back $(awk -v a="$t_reboot" -v b="$t_agent" 'BEGIN { printf "%.1f", b - a }') s after the reset; limit back $(since "$t_agent") s after that"

# 4. libvirtd restart while G still sends
c0=$(cycles || echo 0)
t_lv=$(now)
"$tb" restart-libvirtd >"$tmp/lv.out" 2>&1 || { fail "restart-libvirtd"; cat "$tmp/lv.out"; }
t_lvup=$(now)
check "libvirtd restart: daqsd noticed the lost connection" \
	wait_until 20 logged "connection to 'qemu:///system' lost"
check "libvirtd restart: daqsd reconnected with a full resync" \
	wait_until 20 logged "connected to 'qemu:///system' again; full resync"
t_re=$(now)
c1=$(cycles || echo 0)
check "libvirtd restart: both guests answer again in a later cycle, within 10 s of the resync" \
	wait_until 10 bash -c "$(declare -f status_json fcmp cycle_past agents_ok); SOCK='$SOCK' tmp='$tmp' daqsctl='$daqsctl'; cycle_past $c1 && agents_ok"
echo "# libvirtd restart took $(awk -v a="$t_lv" -v b="$t_lvup" 'BEGIN { printf "%.1f", b - a }') s; daqsd resynced $(awk -v a="$t_lvup" -v b="$t_re" 'BEGIN { printf "%.1f", b - a }') s after libvirtd was back, guests answering again $(since "$t_re") s later (cycles $c0 -> $c1)"
check "B is still limited after the libvirtd restart" b_limited
kill "$pgl" 2>/dev/null || true
wait "$pgl" 2>/dev/null || true
# the 60 s client runs on in the guest (killing tb iperf does not stop it): its
# server would refuse the next test of G's
"$tb" exec "$G" /bin/killall iperf3 >/dev/null 2>&1 || true
g_iperf_gone() { ! "$tb" exec "$G" /bin/pidof iperf3 >/dev/null 2>&1; }
check "G's 60 s iperf3 client is stopped in the guest" wait_until 5 g_iperf_gone
# 7. SLAs from domain metadata (daqs-sla(5) DOMAIN METADATA). A listed VM
# follows the file; then a daqsd whose file lists no VM takes G's class and
# min from G's <metadata>, follows live changes without a reload (the
# METADATA_CHANGE event), refuses a bad element for G alone, and holds the
# metadata's guarantee under contention.
NS=urn:daqs:sla:1
meta() { # DOMAIN XML|--remove
	if [[ $2 == --remove ]]; then
		virsh -q -c qemu:///system metadata "$1" --uri "$NS" --remove --live >/dev/null
	else
		virsh -q -c qemu:///system metadata "$1" --uri "$NS" --key daqs --set "$2" --live >/dev/null
	fi
}
vm_is() { # NAME JQ-EXPR: the expression holds for its status entry
	status_json && jq -e --arg n "$1" ".vms[] | select(.name == \$n) | $2" "$tmp/st.json" >/dev/null
}
meta "$B" '<sla class="guarantee" min="100mbit"/>'
check "metadata of a VM the file lists: ignored, the file wins (status says why)" \
	wait_until 10 vm_is "$B" '.sla_source == "file" and .cls == "best-effort" and (.sla_error | test("the file wins"))'
meta "$B" --remove
kill "$DAQSD_PID"
wait "$DAQSD_PID" || true
printf '%s\n' 'version: 1' 'links:' '  - name: testbed0' '    capacity: 1gbit' 'controller:' \
	'  period: 1s' '  min_change: 10%' '  burst: 10ms' >"$tmp/meta.yaml"
meta "$G" '<sla class="guarantee" min="300mbit"/>'
"$daqsd" --foreground -v --config "$tmp/meta.yaml" --connect qemu:///system \
	--socket "$SOCK" --state-dir "$tmp/state-meta" >"$tmp/daqsd-meta.log" 2>&1 &
DAQSD_PID=$!
meta_start() {
	vm_is "$G" '.sla_source == "metadata" and .cls == "guarantee" and .min_bps == 300000000' &&
		vm_is "$B" '.sla_source == "defaults" and .cls == "best-effort" and .agent == "ok"'
}
check "metadata at start: G is guarantee 300mbit from its domain metadata, B has the defaults" \
	wait_until 30 meta_start
check "daqsd logged where G's SLA came from" \
	grep -q "guest '$G': SLA from its domain metadata: guarantee, min 300mbit" "$tmp/daqsd-meta.log"
contend -meta
echo "# metadata guarantee under contention: G $(mbit "$gl") Mbit/s after 4 s, B $(mbit "$(recv "$tmp/b-meta.json")")"
check "contention: G, a guarantee by its metadata only, gets $(mbit "$gl") Mbit/s after the first 4 s, >= 95 % of its 300 mbit min" \
	fcmp "$gl" '>=' "$(awk -v m="$MIN" 'BEGIN { print 0.95 * m }')"
t_meta=$(now)
meta "$G" '<sla class="guarantee" min="200mbit" max="800mbit"/>'
check "a live metadata change reaches daqsd without a reload: G's min is 200mbit, max 800mbit" \
	wait_until 10 vm_is "$G" '.sla_source == "metadata" and .min_bps == 200000000 and .max_bps == 800000000'
echo "# metadata change to status: $(since "$t_meta") s"
meta "$G" '<sla class="gold" min="200mbit"/>'
check "bad metadata: refused for G alone (the defaults apply), status names the field" \
	wait_until 10 vm_is "$G" '.sla_source == "defaults" and .cls == "best-effort" and (.sla_error | test("sla.class"))'
check "bad metadata: the warning names the domain and the field" \
	grep -q "guest '$G': its domain metadata is refused.*field 'sla.class'" "$tmp/daqsd-meta.log"
c_meta=$(cycles || echo 0)
meta_b_ok() { cycle_past "$c_meta" && vm_is "$B" '.sla_source == "defaults" and .agent == "ok"'; }
check "bad metadata: B untouched, daqsd still cycling" wait_until 10 meta_b_ok
meta "$G" --remove
check "metadata removed: G back to the defaults" \
	wait_until 10 vm_is "$G" '.sla_source == "defaults" and .sla_error == ""'

kill "$DAQSD_PID"
wait "$DAQSD_PID" || true
DAQSD_PID=
"$tb" down >"$tmp/down.out" 2>&1 || true
up=0
check "down: no guest process, no daqstb link or namespace, no testbed state left" \
	test -z "$(pgrep -f 'guest=daqs-tb-' || true)$(ip -o link show | grep daqstb || true)$(ip netns | grep daqstb || true)$(ls "$state" 2>/dev/null || true)"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
