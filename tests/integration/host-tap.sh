#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The host-side counters daqsd finds itself (host_counters: auto), through the
# real libvirt API (its test driver: no libvirtd, no QEMU): a running domain
# whose NIC's <target dev> is the host end of a veth; its "guest" is a network
# namespace on the other end. The test driver runs no agent, so the agent's
# counters are missing and the tap's are the only measurement. Checked:
#  1. the domain's tap is taken from its XML, shown as found automatically;
#  2. the bytes the namespace sends (a bounded UDP blast) are what daqsd
#     counts for the VM, from the tap;
#  3. a VM with host_counters: off gets no host counters; one with
#     host_interface keeps that one (explicit wins);
#  4. a guest that gives a dummy interface the MAC daqsd finds it by (here a
#     namespace with a real qemu-ga on a socket, host_interface the veth's
#     host end; the "dummy" is a veth idle inside it) does not get the dummy limited, nor stay unlimited: daqsd
#     shapes the interface whose counters track the host end's (its HTB is
#     on the veth, none on the dummy);
#  5. a guest that moves the MAC to the dummy (its veth gets another): a
#     fresh daqsd finds and limits the dummy first; the host end's counters
#     show the traffic the dummy's do not, and the veth is shaped instead.
#   usage: host-tap.sh PATH/TO/daqsd PATH/TO/daqsctl    (root; 77 = skipped)
# Touches only namespace dqt<pid>, veths dqt<pid>h/g (198.18.200.0/24), a
# mktemp directory and the processes it starts (stopped by PID). About 20 s.
set -euo pipefail

daqsd=${1:?usage: host-tap.sh PATH/TO/daqsd PATH/TO/daqsctl}
daqsctl=${2:?usage: host-tap.sh PATH/TO/daqsd PATH/TO/daqsctl}
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
require_root_netns
for t in jq python3 timeout tc; do
	command -v "$t" >/dev/null || skip "$t not installed"
done

qga=$(command -v qemu-ga || echo /usr/sbin/qemu-ga)
[[ -x $qga ]] || skip "qemu-ga not installed"
ns=dqt$$
tap=dqt$$h
peer=dqt$$g
tmp=$(mktemp -d /tmp/daqs-host-tap.XXXXXX)
pid=
namespaces=()
pids=()
# shellcheck source=../../scripts/lib/agents.sh
. "$here/../../scripts/lib/agents.sh" # start_qga; its cleanup is replaced below
cleanup() {
	local p
	reap "$pid"
	for p in "${pids[@]}"; do
		stop_pid "$p"
	done
	ip link del "$tap" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exec >/dev/null 2>&1; exit 141' PIPE # the reader went away (| head): clean up all the same, quietly

ip netns add "$ns"
ip link add "$tap" type veth peer name "$peer"
ip link set "$peer" netns "$ns"
ip link set "$tap" up
ip -n "$ns" link set "$peer" up
ip -n "$ns" addr add 198.18.200.2/24 dev "$peer"
# no ARP: the "guest" sends straight at the tap's MAC (nothing answers; the tap counts what it gets)
ip -n "$ns" neigh add 198.18.200.1 lladdr "$(cat "/sys/class/net/$tap/address")" dev "$peer" nud permanent

blast() { # SECONDS: UDP from the "guest" (1400-byte payloads), bounded by timeout
	timeout $(($1 + 5)) ip netns exec "$ns" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b, end = b"x" * 1400, time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    try:
        s.sendto(b, ("198.18.200.1", 9))
    except OSError:
        pass' "$1"
}

domain() { # NAME MAC TAP
	cat <<EOF2
  <domain type='test'>
    <name>$1</name>
    <memory>1048576</memory>
    <os><type arch='x86_64'>hvm</type></os>
    <devices>
      <interface type='bridge'>
        <mac address='$2'/>
        <source bridge='br0'/>
        <target dev='$3'/>
        <model type='virtio'/>
      </interface>
    </devices>
  </domain>
EOF2
}
{
	echo "<node>"
	domain vm-tap 52:54:00:c8:00:01 "$tap"
	domain vm-off 52:54:00:c8:00:02 "$tap"
	domain vm-explicit 52:54:00:c8:00:03 "$tap"
	echo "</node>"
} >"$tmp/node.xml"
cat >"$tmp/sla.yaml" <<EOF2
version: 1
links: [{name: l0, capacity: 10gbit}]
vms:
  - {name: vm-tap, class: best-effort}
  - {name: vm-off, class: best-effort, host_counters: off}
  - {name: vm-explicit, class: best-effort, host_interface: lo}
EOF2

"$daqsd" --foreground -v --config "$tmp/sla.yaml" --connect "test://$tmp/node.xml" \
	--socket "$tmp/s.sock" --state-dir "$tmp/state" >"$tmp/d.log" 2>&1 &
pid=$!
st() { "$daqsctl" --socket "$tmp/s.sock" --json status >"$tmp/st.json" 2>/dev/null; }
field() { jq -r --arg n "$1" ".vms[] | select(.name == \$n) | $2" "$tmp/st.json"; }
up() { st && [[ $(jq '.vms | length' "$tmp/st.json") == 3 ]]; }
check "daqsd lists the test driver's three domains" wait_until 10 up

check "vm-tap: its tap '$tap' is taken from the domain XML, found automatically" \
	test "$(field vm-tap '.host_iface + " " + (.host_iface_auto | tostring)')" = "$tap true"
check "vm-off (host_counters: off): no host counters" \
	test "$(field vm-off '.host_iface + "/" + (.host_iface_auto | tostring)')" = "/false"
check "vm-explicit: its host_interface wins over the tap" \
	test "$(field vm-explicit '.host_iface + " " + (.host_iface_auto | tostring)')" = "lo false"

peer_tx() { ip netns exec "$ns" cat "/sys/class/net/$peer/statistics/tx_bytes"; }
before=$(field vm-tap .tx_bytes)
wire0=$(peer_tx)
blast 3
sent=$(($(peer_tx) - wire0)) # what left the guest's end of the veth (the kernel's count)
counted() { st && (($(field vm-tap .tx_bytes) - before >= sent * 99 / 100)); }
check "vm-tap: daqsd counts the $sent bytes its guest sent ($(mbit $((sent * 8 / 3))) Mbit/s), from the tap" \
	wait_until 3 counted
got=$(($(field vm-tap .tx_bytes) - before))
echo "  the guest's end sent $sent bytes; daqsd counted $got for vm-tap; counters: $(field vm-tap .counters)"
check "vm-tap: it counted no more than was sent (+1 %)" test "$got" -le $((sent + sent / 100))
check "vm-tap: its rates come from the host" test "$(field vm-tap .counters | cut -c1-4)" = host
check "vm-off: counted nothing (no agent, no host counters)" test "$(field vm-off .tx_bytes)" = 0

reap "$pid"
pid=

# 4. the dummy with the MAC, on a real agent
mac=$(ip netns exec "$ns" cat "/sys/class/net/$peer/address")
# (a veth pair inside the namespace: this host's kernel may have no dummy driver; nothing flows)
ip -n "$ns" link add dummy0 type veth peer name dummy1
ip -n "$ns" link set dummy0 address "$mac"
ip -n "$ns" link set dummy0 up
ip -n "$ns" link set dummy1 up
start_qga "$ns" g
cat >"$tmp/sla2.yaml" <<EOF2
version: 1
links: [{name: l0, capacity: 10gbit}]
vms:
  - {name: g, class: best-effort, max: 50mbit, agent: $tmp/g.sock, mac: "$mac", host_interface: $tap}
EOF2
"$daqsd" --foreground -v --config "$tmp/sla2.yaml" --connect "qemu+unix:///system?socket=$tmp/none.sock" \
	--socket "$tmp/s.sock" --state-dir "$tmp/state2" >"$tmp/d2.log" 2>&1 &
pid=$!
ambiguous() { st && [[ $(field g .last_error) == *"several unrelated interfaces carry MAC"* ]]; }
check "g: '$peer' and dummy0 both carry MAC $mac: daqsd does not pick one by order" wait_until 10 ambiguous
check "g: ... so nothing is shaped yet" test "$(field g '.iface + "/" + .state')" = "/find-iface"
htb_on() { ip netns exec "$ns" tc class show dev "$1" 2>/dev/null | grep -q 'class htb 1:1 '; }
shaped() { st && [[ $(field g '.iface + "/" + .state') == "$peer/shaped" ]] && htb_on "$peer"; }
blast 4 &
bp=$!
check "g: with traffic, the interface whose counters track '$tap' is shaped: '$peer' has the HTB" \
	wait_until 6 shaped
reap "$bp"
echo "  g: iface $(field g .iface), state $(field g .state), limit $(field g .limit_bps); $(grep -o "guest 'g': several interfaces carry.*" "$tmp/d2.log" | head -1)"
check "g: dummy0 has no HTB of ours" bash -c "! ip netns exec $ns tc qdisc show dev dummy0 | grep -q htb"
check "g: the choice was logged, naming the interfaces with the MAC" \
	grep -q "guest 'g': several interfaces carry MAC $mac (.*dummy0.*); '$peer' is the interface whose counters track its tap '$tap': shaping '$peer'" "$tmp/d2.log"

reap "$pid"
pid=

# 5. the MAC moved to the dummy
ip netns exec "$ns" tc qdisc del dev "$peer" root 2>/dev/null || true
ip netns exec "$ns" tc qdisc del dev dummy0 root 2>/dev/null || true
ip -n "$ns" link set "$peer" address 02:00:00:00:00:01
ip -n "$ns" neigh replace 198.18.200.1 lladdr "$(cat "/sys/class/net/$tap/address")" dev "$peer" nud permanent
"$daqsd" --foreground -v --config "$tmp/sla2.yaml" --connect "qemu+unix:///system?socket=$tmp/none.sock" \
	--socket "$tmp/s.sock" --state-dir "$tmp/state3" >"$tmp/d3.log" 2>&1 &
pid=$!
on_dummy() { st && [[ $(field g '.iface + "/" + .state') == dummy0/shaped ]] && htb_on dummy0; }
check "g: with the MAC on dummy0 alone, daqsd first limits dummy0 (discovery by MAC)" wait_until 10 on_dummy
blast 6 &
bp=$!
check "g: with traffic, '$peer' (tracking '$tap', unlike dummy0) is shaped instead" wait_until 8 shaped
reap "$bp"
echo "  g: iface $(field g .iface), counters $(field g .counters); $(grep -o "guest 'g': the counters of.*" "$tmp/d3.log" | head -1)"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
