#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# VF hot-plug under SLA control, on real libvirt guests (issue 6). There is no
# SR-IOV hardware here, so the pool is of kind bridge: daqsd hot-plugs a
# second virtio NIC (the VF stand-in) with the VM's MAC and alias ua-daqs-vfN
# through libvirt, and unplugs it by alias waiting for DEVICE_REMOVED: the
# same attach/detach-by-alias and event path as a real VF. The guests
# (scripts/testbed up --bond) run bond0 (active-backup) over eth0 and
# scripts/daqs-guest-bond watch, which enslaves the plugged NIC as the
# active member.
#
# SLA: daqs-tb-g1 guarantee 250mbit (1 stream), daqs-tb-g2 best-effort
# (4 streams), a 1 gbit link; vf_pool: 1 stand-in, strategy fair, interval
# and min dwell 6 s: the slot moves between the two every ~6 s while both
# send (G's min is 250mbit, not the system test's 300: with the moves and
# B's 4 streams, TCG guests left G 292-437 Mbit/s in six runs at 300). Checked:
#  1. daqsd shapes bond0 (the master: its members share its MAC) in both;
#  2. plugs and unplugs happen (at least 2 plugs and 1 unplug), none fails,
#     and the guest's bond took the plugged NIC as a member;
#  3. across them G keeps >= 95 % of its min (iperf3 goodput after the first
#     4 s), and no limit daqsd puts on G while it sends is under its min;
#  4. after every plug and unplug the limit was verified again (daqsctl vf:
#     "to verified");
#  5. a daqsd restart adopts the stand-in a guest holds (found by its alias
#     in the live XML) instead of unplugging it; the limits daqsd then
#     reports are the HTB read back on bond0 in each guest;
#  6. down leaves nothing behind.
# Prints the measured device-operation and start-to-limit-verified times.
# DAQS_TEST_KEEP=FILE keeps daqsd's log (-v) there, the guests' consoles in FILE.serial.
#   usage: vf-hotplug.sh PATH/TO/daqsd PATH/TO/daqsctl   (root; 77 = skipped)
set -euo pipefail

daqsd=${1:?usage: vf-hotplug.sh PATH/TO/daqsd PATH/TO/daqsctl}
daqsctl=${2:?usage: vf-hotplug.sh PATH/TO/daqsd PATH/TO/daqsctl}
here=$(cd "$(dirname "$0")" && pwd)
tb=$here/../../scripts/testbed
state=${DAQS_TESTBED_STATE:-/run/daqs-testbed}

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
require_root_netns
[[ -x $tb ]] || skip "scripts/testbed missing"
if [[ -s $state/journal ]]; then
	echo "vf-hotplug: a testbed is already up ($state); not touching it" >&2
	exit 1
fi

tmp=$(mktemp -d /tmp/daqs-vfhp.XXXXXX)
DAQSD_PID=
up=0
finish() {
	set +e
	if [[ -n ${DAQS_TEST_KEEP:-} ]]; then
		cp "$tmp/daqsd.log" "$DAQS_TEST_KEEP" 2>/dev/null
		cat "$state"/daqs-tb-g*.serial >"$DAQS_TEST_KEEP.serial" 2>/dev/null
	fi
	[[ -n $DAQSD_PID ]] && kill "$DAQSD_PID" 2>/dev/null && wait "$DAQSD_PID"
	if ((up)); then
		if ((failed)); then
			echo "# daqsd log (vf lines and the last 20):"
			grep 'vf:' "$tmp/daqsd.log" | tail -20 | sed 's/^/#   /'
			tail -20 "$tmp/daqsd.log" | sed 's/^/#   /'
			for s in "$state"/daqs-tb-g*.serial; do
				echo "# $(basename "$s"):"
				grep 'daqs-guest-bond\|tb:' "$s" | tail -8 | sed 's/^/#   /'
			done
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
MIN=250000000
status_json() { "$daqsctl" --socket "$SOCK" --json status >"$tmp/st.json" 2>/dev/null; }
vf_json() { "$daqsctl" --socket "$SOCK" --json vf >"$tmp/vf.json" 2>/dev/null; }
on_bond() {
	status_json && [[ $(jq '[.vms[] | select(.agent == "ok" and .iface == "bond0")] | length' "$tmp/st.json") == 2 ]]
}
plugged() { vf_json && [[ $(jq '.ops.plug.ok' "$tmp/vf.json") -ge 1 ]]; }
now() { echo "$EPOCHREALTIME"; }
htb_rate() { # GUEST -> rate of the limit class 1:10 on bond0 in bit/s ("" none), read with the guest's tc
	"$tb" exec "$1" /usr/sbin/tc class show dev bond0 2>/dev/null | awk '
		$1 == "class" && $2 == "htb" && $3 == "1:10" {
			for (i = 4; i < NF; i++) if ($i == "rate") { r = $(i + 1); break }
			m = 1
			if (r ~ /Gbit$/) m = 1e9; else if (r ~ /Mbit$/) m = 1e6; else if (r ~ /Kbit$/) m = 1e3
			sub(/[A-Za-z]+$/, "", r)
			printf "%.0f\n", r * m
			exit
		}' || true
}
# tc prints rates rounded (24342Kbit): equal within 0.1 % + 1 kbit
same_rate() { [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= a / 1000 + 1000) }'; }

cat >"$tmp/sla.yaml" <<EOF
version: 1
links:
  - name: l0
    capacity: 1gbit
controller:
  period: 200ms
vf_pool:
  link: l0
  kind: bridge
  bridge: daqstb0
  count: 1
  strategy: fair
  interval: 6s
  min_dwell: 6s
vms:
  - name: $G
    class: guarantee
    min: 250mbit
  - name: $B
    class: best-effort
EOF

t0=$(now)
if ! "$tb" up --guests 2 --capacity 1gbit --bond >"$tmp/up.out" 2>&1; then
	up=1
	fail "testbed up --bond"
	sed 's/^/#   /' "$tmp/up.out" | tail -20
	echo "$passed passed, $failed failed"
	exit 1
fi
up=1
echo "# testbed up (--bond) in $(since "$t0") s"

HTTP_PORT=$((20000 + RANDOM % 30000))
"$daqsd" --foreground -v --config "$tmp/sla.yaml" --connect qemu:///system \
	--socket "$SOCK" --state-dir "$tmp/state" --metrics-listen "127.0.0.1:$HTTP_PORT" \
	>"$tmp/daqsd.log" 2>&1 &
DAQSD_PID=$!
check "daqsd shapes bond0 in both guests (agents ok, bond0 found by MAC)" wait_until 60 on_bond
check "the first stand-in is plugged within 20 s" wait_until 20 plugged

# Both send for 40 s while the slot moves every ~6 s.
utc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.%3N; }
w0=$(now)
"$tb" iperf "$G" 1 40 "$tmp/g.json" >/dev/null 2>"$tmp/g.err" &
pg=$!
"$tb" iperf "$B" 4 40 "$tmp/b.json" >/dev/null 2>"$tmp/b.err" &
pb=$!
wait "$pg" || true
wait "$pb" || true
w1=$(now)
vf_json || true
gl=$(jq -r '[.intervals[] | select(.sum.start >= 3.9) | .sum.bits_per_second] | add / length' "$tmp/g.json" 2>/dev/null || echo 0)
gmin=$(jq -r '[.intervals[] | select(.sum.start >= 3.9) | .sum.bits_per_second] | min' "$tmp/g.json" 2>/dev/null || echo 0)
bl=$(jq -r '.end.sum_received.bits_per_second // 0' "$tmp/b.json" 2>/dev/null || echo 0)
plugs=$(jq -r '.ops.plug.ok' "$tmp/vf.json")
unplugs=$(jq -r '.ops.unplug.ok' "$tmp/vf.json")
echo "# 40 s of contention: G $(mbit "$gl") Mbit/s (worst 1 s: $(mbit "$gmin")), B $(mbit "$bl"); plugs $plugs, unplugs $unplugs"
grep -E "vf: (plugged|unplugged|cannot)|limit verified" "$tmp/daqsd.log" | sed 's/^.*vf: /#   vf: /' | head -20

check "at least 2 plugs and 1 unplug happened ($plugs, $unplugs)" \
	test "$plugs" -ge 2 -a "$unplugs" -ge 1
check "no plug or unplug failed" \
	test "$(jq -r '.ops.plug.failed + .ops.unplug.failed' "$tmp/vf.json")" = 0
check "a guest's bond took the plugged NIC as its active member" \
	grep -q "joined bond0 as primary" "$state/$G.serial" "$state/$B.serial"
check "G kept $(mbit "$gl") Mbit/s across the moves, >= 95 % of its 250 mbit min" \
	fcmp "$gl" '>=' "$(awk -v m="$MIN" 'BEGIN { print 0.95 * m }')"
# G's limits across the swaps: daqsd protects it at its min while its NICs
# settle (policy step 10); before that it was once limited to 135 Mbit/s
# right after a plug. What must hold is the limit: every one daqsd put in
# force on G (its -v log: "limit X in force") from 1 s after G started
# sending until it stopped is at least its min (or none). G's worst second
# of goodput is only printed: a bond failover on an unplug that takes ~1 s
# under TCG loses what was queued on the leaving NIC, and TCP's retransmit
# timeout can then cost G most of a second that no limit caused (seen:
# 106 Mbit/s in one second with no limit under its min).
echo "# G's seconds: $(jq -r '[.intervals[] | .sum.bits_per_second / 1e6 | floor] | map(tostring) | join(" ")' "$tmp/g.json" 2>/dev/null); worst $(mbit "$gmin")"
limits_g() { # G's limits in force in [FROM, TO] (UTC stamps of the log), in bit/s; "none" as 0
	awk -v g="'$G':" -v from="$1" -v to="$2" '
		$5 == g && $6 == "limit" && $8 == "in" && substr($1, 1, 23) >= from && substr($1, 1, 23) <= to {
			r = $7; m = 1
			if (r == "none") { print 0; next }
			if (r ~ /gbit$/) m = 1e9; else if (r ~ /mbit$/) m = 1e6; else if (r ~ /kbit$/) m = 1e3
			sub(/[a-z]+$/, "", r)
			printf "%.0f\n", r * m
		}' "$tmp/daqsd.log"
}
limits_g "$(utc "$(awk -v t="$w0" 'BEGIN { printf "%.3f", t + 1 }')")" "$(utc "$w1")" >"$tmp/glimits"
glow=$(awk 'BEGIN { low = "" } $1 > 0 && (low == "" || $1 < low) { low = $1 } END { print low }' "$tmp/glimits")
echo "# G's limits in force while it sent: $(wc -l <"$tmp/glimits") (lowest $(mbit "${glow:-0}") Mbit/s, 0 = none)"
check "daqsd -v logged G's limits while it sent" test -s "$tmp/glimits"
check "no limit under its 250 mbit min was put on G while it sent (lowest: ${glow:-none})" \
	test -z "$glow" -o "${glow:-0}" -ge "$MIN"

# 4. limits verified after the moves, and in force on bond0 now
pv=$(jq -r '.ops.plug.to_verified.count' "$tmp/vf.json")
uv=$(jq -r '.ops.unplug.to_verified.count' "$tmp/vf.json")
check "the limit was verified again after plugs ($pv of $plugs) and unplugs ($uv of $unplugs)" \
	test "$pv" -ge 1 -a "$uv" -ge 1
printf '# plug:   device mean %.0f ms (max %.0f); start to limit verified mean %.0f ms (max %.0f), n=%s\n' \
	"$(jq -r '.ops.plug.device.mean_ms' "$tmp/vf.json")" "$(jq -r '.ops.plug.device.max_ms' "$tmp/vf.json")" \
	"$(jq -r '.ops.plug.to_verified.mean_ms' "$tmp/vf.json")" "$(jq -r '.ops.plug.to_verified.max_ms' "$tmp/vf.json")" "$pv"
printf '# unplug: device mean %.0f ms (max %.0f); start to limit verified mean %.0f ms (max %.0f), n=%s\n' \
	"$(jq -r '.ops.unplug.device.mean_ms' "$tmp/vf.json")" "$(jq -r '.ops.unplug.device.max_ms' "$tmp/vf.json")" \
	"$(jq -r '.ops.unplug.to_verified.mean_ms' "$tmp/vf.json")" "$(jq -r '.ops.unplug.to_verified.max_ms' "$tmp/vf.json")" "$uv"
"$daqsctl" --socket "$SOCK" vf | sed 's/^/#   /'
python3 -c '
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode())
' "$HTTP_PORT" >"$tmp/metrics" 2>/dev/null || true
mplugs=$(awk '/^daqs_vf_ops_total\{op="plug",result="ok"\}/ { print $2 }' "$tmp/metrics")
check "metrics over HTTP count the plugs (${mplugs:-none}, >= the $plugs seen before)" \
	test "${mplugs:-0}" -ge "$plugs"

# 5. daqsd restarts while a guest holds the stand-in: the device is adopted,
# not unplugged (the earlier daqsd's alias is found in the live XML).
held_recently() { vf_json && [[ $(jq -r '.slots[0].state' "$tmp/vf.json") == held ]] && fcmp "$(jq -r '.slots[0].for_s' "$tmp/vf.json")" '<' 3; }
wait_until 15 held_recently || true
holder=$(jq -r '.slots[0].holder // empty' "$tmp/vf.json")
if kill "$DAQSD_PID" 2>/dev/null; then wait "$DAQSD_PID" 2>/dev/null || true; fi
"$daqsd" --foreground -v --config "$tmp/sla.yaml" --connect qemu:///system \
	--socket "$SOCK" --state-dir "$tmp/state" >"$tmp/daqsd2.log" 2>&1 &
DAQSD_PID=$!
check "restart: the stand-in held by '${holder:-nobody}' is adopted by the new daqsd" \
	wait_until 15 grep -q "'$holder' holds stand-in 0 (daqstb0) since before this daqsd: adopted" "$tmp/daqsd2.log"
check "restart: it was not unplugged (ua-daqs-vf0 still in $holder's live XML, nothing cleaned up)" \
	bash -c "virsh -q -c qemu:///system dumpxml '$holder' | grep -q ua-daqs-vf0 && ! grep -q 'unplugging it\|vf: unplugged' '$tmp/daqsd2.log'"
cat "$tmp/daqsd2.log" >>"$tmp/daqsd.log"

# The limits in force now: start G again so B is limited, then compare.
"$tb" iperf "$G" 1 12 "$tmp/g2.json" >/dev/null 2>&1 &
pg=$!
sleep 6
status_json || true
lim_b=$(jq -r '.vms[] | select(.name == "'"$B"'") | .limit_bps // empty' "$tmp/st.json")
htb_b=$(htb_rate "$B")
wait "$pg" || true
check "B's limit in daqsd ($lim_b) is the HTB on bond0 in the guest ($htb_b)" \
	same_rate "$lim_b" "$htb_b"

if kill "$DAQSD_PID" 2>/dev/null; then wait "$DAQSD_PID" 2>/dev/null || true; fi
DAQSD_PID=
"$tb" down >"$tmp/down.out" 2>&1 || cat "$tmp/down.out"
up=0
check "down: no guest process, no daqstb link or namespace, no testbed state left" \
	test -z "$(pgrep -f 'guest=daqs-tb-' || true)$(ip -o link show | grep daqstb || true)$(ip netns | grep daqstb || true)$(ls "$state" 2>/dev/null || true)"

echo "$passed passed, $failed failed"
((failed == 0))
