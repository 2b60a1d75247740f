#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The PF adapter (lib/adapters/pf_netlink.c, through tests/vf_tool.c) on a real kernel's
# SR-IOV API: netdevsim VFs inside a 1-guest testbed (scripts/testbed, TCG).
# The host kernel has no netdevsim; the guest's Debian kernel is used. Debian
# builds its 6.1 kernels with CONFIG_NETDEVSIM unset, so when the guest has
# no netdevsim module this script builds one out of tree from Debian's own
# linux-source and linux-headers packages of exactly the guest's kernel
# (cached in $DAQS_TESTBED_CACHE/netdevsim/) and insmods it (unsigned
# modules load: no MODULE_SIG_FORCE, no lockdown without secure boot).
# vf-tool, its shared-library closure (with the host's loader) and the
# module go into the guest through the agent (guest-file-write, base64).
#
# Checked, each value read back by vf-tool and cross-checked with
# `ip -j -d link show PF` in the guest:
#   4 VFs listed with index, MAC (one set with ip link), rates 0/0, link
#   state auto, counters present; max alone; min alone keeps max and max
#   alone keeps min (read-modify-write); rates set by `ip link` kept by a
#   later change; min > max and max < min refused with EINVAL and nothing
#   written; both at once; a cap lifted; other VFs untouched; no such VF
#   (ENOENT), no such netdev (ENODEV), lo (0 VFs), no virtfn link (ENOENT).
#
# Then daqsd itself, inside the same guest (its library closure copied the
# same way), with three "VMs" that are network namespaces of the guest, each
# with its own qemu-ga on a unix socket, and VFs of the netdevsim PF given in
# the SLA (host_vf): enforce: vf (the VF's max_tx_rate is the limit, no tc
# in the VM), enforce: both on a Guarantee VM (the VF's max and, as its
# min_tx_rate, the guarantee; and the VM's tc), and enforce: guest with
# an agent that cannot run tc (qemu-ga -b guest-exec: the VF is the
# backstop). Checked with `ip -j -d link show PF` and tc in each namespace:
# the rates, an override moving one, the cap back, and every VF cap reset
# and tc removed when daqsd stops (--on-exit remove).
#
# Then, with devlink-tool, netdevsim in switchdev mode, where the legacy VF
# rate is refused and each VF port has a devlink rate leaf
# (lib/adapters/devlink.c, pf_devlink.c), every value read back with the
# host's devlink(8) (copied in with its libraries) and netdevsim's debugfs:
# the VF ports found; leaf rates set through vf-tool --auto (the lever daqsd
# uses) with read-modify-write, a min set by devlink(8) kept, a merge refusal
# and a kernel refusal with the kernel's own message; a rate node (tenant
# group) created, set, read, VFs put in and out, refused deletion while in
# use, deleted; daqsd with the same SLA driving the leaves (status vf_lever,
# an override, --on-exit remove); daqsd with a tenant group (groups:) making
# the group's node daqs-GROUP with its min and max, its members' leaves under
# it (status vf_node), and taking them out and deleting the node at exit;
# and back in legacy mode the legacy lever taken again and said.
#
#   usage: vf-netdevsim.sh PATH/TO/scripts/testbed PATH/TO/vf-tool [PATH/TO/daqsd PATH/TO/daqsctl [PATH/TO/devlink-tool]]
#   (root; 77 = skipped: not root, or the guest kernel has no netdevsim and
#   none can be built for it)
# Uses its own testbed state (DAQS_TESTBED_STATE, default
# /run/daqs-testbed-vf), but the testbed's domain, bridge and namespace
# names are fixed: it refuses to run while any testbed is up (on a shared
# machine, run it under `flock /tmp/daqs-heavy.lock`).
# About 2 minutes, plus about 1.5 the first time (the module build).
# Predicates are passed to check() as single-quoted eval strings on purpose.
# shellcheck disable=SC2016
set -euo pipefail

tb=${1:?usage: vf-netdevsim.sh PATH/TO/scripts/testbed PATH/TO/vf-tool}
tool=${2:?usage: vf-netdevsim.sh PATH/TO/scripts/testbed PATH/TO/vf-tool}
daqsd=${3:-}
daqsctl=${4:-}
dltool=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
export DAQS_TESTBED_STATE=${DAQS_TESTBED_STATE:-/run/daqs-testbed-vf}
state=$DAQS_TESTBED_STATE
cache=${DAQS_TESTBED_CACHE:-/var/cache/daqs-testbed}
G=daqs-tb-g1

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
require_root_netns
[[ -x $tb ]] || skip "scripts/testbed missing"
[[ -x $tool ]] || {
	echo "vf-netdevsim: $tool is not executable" >&2
	exit 2
}

# Another testbed (any state directory) uses the same fixed names.
if [[ -s $state/journal ]] || ip link show daqstb0 >/dev/null 2>&1; then
	echo "vf-netdevsim: a testbed is already up (bridge daqstb0 or $state/journal); not touching it" >&2
	exit 1
fi

tmp=$(mktemp -d /tmp/daqs-vfnsim.XXXXXX)
up=0
finish() {
	local rc=$?
	set +e
	if ((up)); then
		if ((rc != 0 || failed > 0)) && [[ -f $state/$G.serial ]]; then
			echo "# last lines of the guest's console:"
			tail -n 20 "$state/$G.serial" | sed 's/^/#   /'
		fi
		"$tb" down >"$tmp/down.out" 2>&1 || {
			echo "vf-netdevsim: testbed down failed:"
			cat "$tmp/down.out"
			rc=1
		}
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exec >/dev/null 2>&1; exit 141' PIPE # the reader went away (| head): clean up all the same, quietly

# --- helpers
gexec() { "$tb" exec "$G" "$@"; } # stdout, stderr, exit status of PATH ARGS in the guest
gsh() { gexec /bin/sh -c "$1"; }
VFT=(/tmp/vf/lib/ld-linux-x86-64.so.2 --library-path /tmp/vf/lib /tmp/vf/vf-tool)
DLT=(/tmp/vf/lib/ld-linux-x86-64.so.2 --library-path /tmp/vf/lib /tmp/vf/devlink-tool)
DLK=(/tmp/vf/lib/ld-linux-x86-64.so.2 --library-path /tmp/vf/lib /tmp/vf/devlink)
vft() { # ARGS: vf-tool in the guest; stdout in $tmp/vft.out, stderr in $tmp/vft.err, status in $vrc
	vrc=0
	gexec "${VFT[@]}" "$@" >"$tmp/vft.out" 2>"$tmp/vft.err" || vrc=$?
}
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" "$tmp/vft.out" | head -1; } # KEY of the last vft
vfline() { grep "^vf=$1 " "$tmp/vft.out"; }
# rates of VF N as the guest's iproute2 shows them: "MIN MAX"
iprates() {
	gexec /sbin/ip -j -d link show "$PF" >"$tmp/ip.json"
	jq -r --argjson n "$1" '.[0].vfinfo_list[] | select(.vf == $n) | "\(.rate.min_tx // 0) \(.rate.max_tx // 0)"' \
		"$tmp/ip.json"
}
expect_set() { # VF MIN MAX -- ARGS: vf-tool set succeeds and both readbacks show MIN MAX
	local vf=$1 min=$2 max=$3
	shift 4
	local ipr
	vft set "$PF" "$vf" "$@"
	check "set vf $vf $*: result=ok min=$min max=$max (got: $(cat "$tmp/vft.out"))" \
		test "$vrc:$(field result):$(field min):$(field max)" = "0:ok:$min:$max"
	ipr=$(iprates "$vf")
	check "set vf $vf $*: ip -d link shows min_tx $min max_tx $max (got: $ipr)" test "$ipr" = "$min $max"
}
expect_refused() { # VF MIN MAX WHY -- ARGS: refused with EINVAL, WHY logged, MIN MAX still in force
	local vf=$1 min=$2 max=$3 why=$4 ipr
	shift 5
	vft set "$PF" "$vf" "$@"
	check "set vf $vf $*: refused (exit 1, errno=EINVAL; got $vrc $(cat "$tmp/vft.out"))" \
		test "$vrc:$(field errno)" = "1:EINVAL"
	check "set vf $vf $*: the reason is logged once ('$why')" \
		test "$(grep -c "^log: pf: set rates '$PF' vf $vf (.*$why" "$tmp/vft.err")" = 1
	ipr=$(iprates "$vf")
	check "set vf $vf $*: nothing written, ip shows min_tx $min max_tx $max (got: $ipr)" test "$ipr" = "$min $max"
}

# --- the guest
t0=$EPOCHREALTIME
up=1
if ! "$tb" up --guests 1 --mem 384 >"$tmp/up.out" 2>"$tmp/up.err"; then
	fail "testbed up --guests 1"
	tail -n 30 "$tmp/up.out" "$tmp/up.err" | sed 's/^/    | /'
	exit 1
fi
pass "testbed up --guests 1 ($(since "$t0") s)"
kver=$(gexec /bin/uname -r)
echo "# guest kernel $kver"

# --- netdevsim: the guest's own module, else one built for its kernel
nsim_ko=''
if gsh 'modprobe netdevsim' >/dev/null 2>&1; then
	echo "# netdevsim: the guest kernel's own module"
else
	build_netdevsim() { # KVER -> path of a netdevsim.ko for it on stdout; 1 with a reason on stderr
		local kver=$1 ver mm flavour abi dir w h
		ver=$(apt-cache policy "linux-image-$kver" 2>/dev/null | awk '/Candidate:/ { print $2; exit }')
		[[ -n $ver && $ver != "(none)" ]] || {
			echo "apt knows no linux-image-$kver" >&2
			return 1
		}
		dir=$cache/netdevsim/$kver+${ver//[^A-Za-z0-9.+-]/_}
		if [[ -f $dir/netdevsim.ko ]]; then
			echo "$dir/netdevsim.ko"
			return 0
		fi
		mm=${kver%%-*}   # 6.1.0
		mm=${mm%.*}      # 6.1
		flavour=${kver##*-} # amd64
		abi=${kver%-"$flavour"} # 6.1.0-56
		w=$(mktemp -d "$tmp/nsim.XXXXXX")
		chmod 0755 "$w" # apt-get download drops privileges to _apt
		(cd "$w" && apt-get download -qq -o APT::Sandbox::User=root \
			"linux-source-$mm=$ver" "linux-headers-$kver=$ver" "linux-headers-$abi-common=$ver" \
			"linux-kbuild-$mm=$ver" >/dev/null 2>"$w/apt.err") || {
			echo "apt-get download of linux-source-$mm/linux-headers-$kver $ver failed: $(tail -1 "$w/apt.err")" >&2
			return 1
		}
		mkdir "$w/root"
		for d in "$w"/linux-headers-*.deb "$w"/linux-kbuild-*.deb; do dpkg-deb -x "$d" "$w/root"; done
		h=$w/root/usr/src/linux-headers-$kver
		# its Makefile includes the -common tree by absolute path
		sed -i "s|include /usr/src/|include $w/root/usr/src/|" "$h/Makefile"
		dpkg-deb --fsys-tarfile "$w"/linux-source-*.deb |
			tar -xO "./usr/src/linux-source-$mm.tar.xz" | xz -dc |
			tar -x -C "$w" --wildcards "linux-source-$mm/drivers/net/netdevsim/*"
		[[ -f $w/linux-source-$mm/drivers/net/netdevsim/netdev.c ]] || {
			echo "linux-source-$mm has no drivers/net/netdevsim" >&2
			return 1
		}
		make -s -C "$h" M="$w/linux-source-$mm/drivers/net/netdevsim" CONFIG_NETDEVSIM=m -j2 modules \
			>"$w/make.log" 2>&1 || {
			tail -20 "$w/make.log" >&2
			echo "building netdevsim for $kver failed" >&2
			return 1
		}
		mkdir -p "$dir"
		strip --strip-debug -o "$dir/netdevsim.ko.tmp" "$w/linux-source-$mm/drivers/net/netdevsim/netdevsim.ko"
		mv "$dir/netdevsim.ko.tmp" "$dir/netdevsim.ko"
		rm -rf "$w"
		echo "$dir/netdevsim.ko"
	}
	t=$EPOCHREALTIME
	nsim_ko=$(build_netdevsim "$kver" 2>"$tmp/build.err") ||
		skip "guest kernel $kver has no netdevsim module (Debian sets CONFIG_NETDEVSIM off) and none could be built: $(tail -3 "$tmp/build.err" | tr '\n' ' ')"
	echo "# netdevsim: the guest kernel has none; built out of tree from Debian's linux-source for $kver ($nsim_ko, $(since "$t") s)"
	check "the module is built for the guest's kernel (vermagic $kver)" \
		eval 'strings "$nsim_ko" | grep "^vermagic=$kver " >/dev/null'
fi

# --- vf-tool (and daqsd, daqsctl), their library closure and the module into the guest
mkdir -p "$tmp/bundle/vf/lib"
cp "$tool" "$tmp/bundle/vf/vf-tool"
bins=("$tool")
if [[ -n $dltool ]]; then
	dlk=$(command -v devlink || true)
	[[ -x $dlk ]] || skip "no devlink(8) here (iproute2) to read devlink rates back with"
	cp "$dltool" "$tmp/bundle/vf/devlink-tool"
	cp "$dlk" "$tmp/bundle/vf/devlink"
	bins+=("$dltool" "$dlk")
fi
if [[ -n $daqsd ]]; then
	cp "$daqsd" "$tmp/bundle/vf/daqsd"
	cp "$daqsctl" "$tmp/bundle/vf/daqsctl"
	bins+=("$daqsd" "$daqsctl")
fi
for b in "${bins[@]}"; do
	ldd "$b" | awk '/=> \// { print $3 } /^\t\// { print $1 }'
done | sort -u | while read -r lib; do
	cp -L "$lib" "$tmp/bundle/vf/lib/"
done
# libicudata (30 MB of ICU tables, pulled in by libvirt's libxml2) is replaced
# by a stub that only defines its data symbol: with --connect none nothing in
# daqsd reaches ICU, and the bundle shrinks from 67 to 37 MB (copying it
# through the agent at 48 KiB a write took 74 s).
for icu in "$tmp"/bundle/vf/lib/libicudata.so.*; do
	[[ -e $icu ]] || continue
	sym=$(nm -D --defined-only "$icu" | awk '$3 ~ /^icudt[0-9]+_dat$/ { print $3; exit }')
	soname=$(basename "$icu")
	if [[ -n $sym ]] && printf 'const char %s[16] = { 0 };\n' "$sym" |
		cc -shared -fPIC -Wl,-soname,"$soname" -o "$icu.stub" -x c - 2>/dev/null; then
		mv "$icu.stub" "$icu"
	fi
done
[[ -f $tmp/bundle/vf/lib/ld-linux-x86-64.so.2 ]] || {
	fail "ldd $tool names no ld-linux-x86-64.so.2"
	exit 1
}
[[ -z $nsim_ko ]] || cp "$nsim_ko" "$tmp/bundle/vf/netdevsim.ko"
tar -C "$tmp/bundle" -czf "$tmp/vf.tgz" vf
sum=$(sha256sum "$tmp/vf.tgz" | cut -d' ' -f1)
t=$EPOCHREALTIME
h=$("$tb" agent "$G" '{"execute":"guest-file-open","arguments":{"path":"/tmp/vf.tgz","mode":"w"}}' | jq -r .return)
[[ $h =~ ^[0-9]+$ ]] || {
	fail "guest-file-open /tmp/vf.tgz: no handle ($h)"
	exit 1
}
split -b 49152 -d -a 4 "$tmp/vf.tgz" "$tmp/chunk."
nchunks=0
for c in "$tmp"/chunk.*; do
	"$tb" agent "$G" "{\"execute\":\"guest-file-write\",\"arguments\":{\"handle\":$h,\"buf-b64\":\"$(base64 -w0 "$c")\"}}" >/dev/null
	nchunks=$((nchunks + 1))
done
"$tb" agent "$G" "{\"execute\":\"guest-file-close\",\"arguments\":{\"handle\":$h}}" >/dev/null
check "bundle copied into the guest intact ($(stat -c %s "$tmp/vf.tgz") bytes in $nchunks writes, $(since "$t") s)" \
	test "$(gexec /bin/sha256sum /tmp/vf.tgz | cut -d' ' -f1)" = "$sum"
gsh 'cd /tmp && tar -xzf vf.tgz && rm vf.tgz' >/dev/null
vft
check "vf-tool runs in the guest with its own loader and libraries (no arguments: usage, exit 2; got $vrc)" \
	test "$vrc" = 2

# --- a netdevsim device with 4 VFs
if [[ -n $nsim_ko ]]; then
	check "modprobe psample; insmod netdevsim.ko" gsh 'modprobe psample && insmod /tmp/vf/netdevsim.ko'
fi
check "netdevsim bus present" gsh 'test -w /sys/bus/netdevsim/new_device'
check "new device 1 with 1 port" gsh 'echo "1 1" > /sys/bus/netdevsim/new_device'
nd=/sys/bus/netdevsim/devices/netdevsim1
PF=''
for _ in $(seq 50); do
	PF=$(gsh "ls $nd/net 2>/dev/null" || true)
	[[ -n $PF ]] && break
	sleep 0.2
done
check "the device has one netdev ('$PF')" eval '[[ $PF =~ ^[A-Za-z0-9_.-]+$ ]]'
[[ -n $PF ]] || exit 1
check "sriov_numvfs 4" gsh "echo 4 > $nd/sriov_numvfs && test \"\$(cat $nd/sriov_numvfs)\" = 4"
check "ip link sets vf 1's MAC" gexec /sbin/ip link set "$PF" vf 1 mac 02:18:00:00:00:01

# --- list
vft list "$PF"
check "list: exit 0, vfs=4 (got: $(head -1 "$tmp/vft.out"))" test "$vrc:$(field vfs)" = "0:4"
for n in 0 1 2 3; do
	mac=00:00:00:00:00:00
	[[ $n == 1 ]] && mac=02:18:00:00:00:01
	check "list: vf $n index, MAC $mac, no rates, link auto, counters reported ($(vfline $n))" \
		eval "vfline $n | grep -q '^vf=$n mac=$mac min=0 max=0 link=0 stats=1 tx_bytes=0 rx_bytes=0 tx_packets=0 rx_packets=0\$'"
done
cp "$tmp/vft.out" "$tmp/list0.out"
check "list: ip -d link agrees on 4 VFs and vf 1's MAC" \
	eval 'gexec /sbin/ip -j -d link show "$PF" | jq -e "(.[0].vfinfo_list | length) == 4 and .[0].vfinfo_list[1].address == \"02:18:00:00:00:01\"" >/dev/null'

# --- read-modify-write
expect_set 0 0 300 -- max 300
expect_set 0 100 300 -- min 100 # min alone keeps max
expect_set 0 100 500 -- max 500 # max alone keeps min
expect_refused 0 100 500 "min above the VF's max" -- min 600
expect_refused 0 100 500 "max below the VF's min" -- max 50
expect_refused 0 100 500 "min above max" -- min 60 max 40
expect_set 0 20 40 -- min 20 max 40 # lowering both at once is the way
expect_set 0 20 0 -- max 0          # cap lifted, min kept
expect_set 0 20 0 -- max 0          # already in force: nothing to write, still ok
# rates someone else set with ip link survive a change of the other one
check "ip link sets vf 2 min_tx_rate 200 max_tx_rate 700" \
	gexec /sbin/ip link set "$PF" vf 2 min_tx_rate 200 max_tx_rate 700
vft list "$PF"
check "list shows vf 2's rates set by ip link ($(vfline 2))" eval 'vfline 2 | grep -q " min=200 max=700 "'
expect_set 2 200 800 -- max 800
expect_set 2 0 800 -- min 0
for n in 1 3; do
	ipr=$(iprates $n)
	check "vf $n untouched (ip: $ipr)" test "$ipr" = "0 0"
done
vft list "$PF"
check "vf 1's MAC survives the rate changes" eval 'vfline 1 | grep -q "mac=02:18:00:00:00:01 min=0 max=0 "'

# --- errors, as the adapter translates and reports them
vft set "$PF" 4 max 10
check "no such VF: ENOENT, reported once (got $(cat "$tmp/vft.out"))" \
	eval 'test "$vrc:$(field errno)" = 1:ENOENT && test "$(grep -c "^log: pf: set rates .$PF. vf 4 (no such VF: the PF has 4)" "$tmp/vft.err")" = 1'
vft list daqs-nosuch0
check "no such netdev: ENODEV (got $(cat "$tmp/vft.out"))" test "$vrc:$(field errno)" = "1:ENODEV"
vft list lo
check "lo: 0 VFs, no error, nothing logged" eval 'test "$vrc:$(field vfs)" = 0:0 && test ! -s "$tmp/vft.err"'
vft pci "$PF" 0
check "PCI address: netdevsim VFs have no virtfn link: ENOENT (got $(cat "$tmp/vft.out"))" \
	test "$vrc:$(field errno)" = "1:ENOENT"
vft pci daqs-nosuch0 0
check "PCI address of a netdev that does not exist: ENODEV" test "$vrc:$(field errno)" = "1:ENODEV"

# --- daqsd in the guest, setting VF rates
put_file() { # GUEST-PATH CONTENT
	local h
	h=$("$tb" agent "$G" "{\"execute\":\"guest-file-open\",\"arguments\":{\"path\":\"$1\",\"mode\":\"w\"}}" | jq -r .return)
	"$tb" agent "$G" "{\"execute\":\"guest-file-write\",\"arguments\":{\"handle\":$h,\"buf-b64\":\"$(printf '%s' "$2" | base64 -w0)\"}}" >/dev/null
	"$tb" agent "$G" "{\"execute\":\"guest-file-close\",\"arguments\":{\"handle\":$h}}" >/dev/null
}
if [[ -n $daqsd ]]; then
	echo "# daqsd in the guest: VMs are namespaces with their own qemu-ga; VFs 0, 1, 3 of $PF"
	vmns() { # NAME QGA-EXTRA: a namespace (its lo is the VM's NIC: the guest kernel has no
		# veth module) and qemu-ga on /tmp/NAME.sock; /sbin/ip by path: busybox sh
		# prefers its own ip applet, which has no netns
		gsh "I=/sbin/ip; mkdir -p /var/run/netns /tmp/$1 && \$I netns add $1 && \$I -n $1 link set lo up && \$I netns exec $1 /usr/sbin/qemu-ga -m unix-listen -p /tmp/$1.sock -t /tmp/$1 -f /tmp/$1.pid -d $2"
	}
	check "namespace vma with qemu-ga" vmns vma ''
	check "namespace vmb with qemu-ga" vmns vmb ''
	check "namespace vmc with qemu-ga that refuses guest-exec" vmns vmc '-b guest-exec,guest-exec-status'
	put_file /tmp/sla.yaml "version: 1
links: [{name: l0, capacity: 1gbit}]
controller: {period: 200ms}
vms:
  - {name: vf-only, class: best-effort, max: 300mbit, agent: /tmp/vma.sock, interface: lo, host_vf: '$PF:0', enforce: vf}
  - {name: both, class: guarantee, min: 100mbit, max: 200mbit, agent: /tmp/vmb.sock, interface: lo, host_vf: '$PF:1', enforce: both}
  - {name: limited, class: best-effort, max: 150mbit, agent: /tmp/vmc.sock, interface: lo, host_vf: '$PF:3'}
"
	DQ="/tmp/vf/lib/ld-linux-x86-64.so.2 --library-path /tmp/vf/lib"
	check "daqsd starts in the guest (detaches once ready)" \
		gsh "$DQ /tmp/vf/daqsd -v --config /tmp/sla.yaml --connect none --socket /tmp/daqsd.sock --state-dir /tmp/daqs-state --on-exit remove >/tmp/daqsd.log 2>&1"
	dctl() { gsh "$DQ /tmp/vf/daqsctl --socket /tmp/daqsd.sock $*"; }
	vfmax() { iprates "$1" | cut -d' ' -f2; } # VF -> max_tx_rate (Mbps)
	ns_htb() { gsh "/sbin/ip netns exec $1 /usr/sbin/tc class show dev lo" | awk '$3 == "1:10" { for (i = 4; i < NF; i++) if ($i == "rate") { print $(i + 1); exit } }'; }
	wait_eq() { # SECONDS WANT CMD...: until CMD prints WANT
		local i
		for ((i = 0; i < $1 * 5; i++)); do
			[[ $("${@:3}" 2>/dev/null) == "$2" ]] && return 0
			sleep 0.2
		done
		return 1
	}
	check "enforce: vf: VF 0's max_tx_rate is vf-only's 300mbit cap (got $(vfmax 0))" wait_eq 20 300 vfmax 0
	check "enforce: both, a guarantee of 100mbit: VF 1's min_tx_rate 100 and max_tx_rate 200 (got $(iprates 1))" wait_eq 20 "100 200" iprates 1
	check "enforce: both: and the tc limit in vmb is 200Mbit (got $(ns_htb vmb))" wait_eq 10 200Mbit ns_htb vmb
	check "enforce: vf: no tc limit in vma (got '$(ns_htb vma)')" test -z "$(ns_htb vma)"
	check "backstop: the agent-limited VM's VF 3 carries its 150mbit (got $(vfmax 3))" wait_eq 10 150 vfmax 3
	check "VF 2 untouched by daqsd (ip: $(iprates 2))" test "$(iprates 2)" = "0 800"
	dctl --json status >"$tmp/dst.json" 2>/dev/null || true
	check "status: vf-only's vf '$PF:0', limit 300000000, why 'enforce: vf' ($(jq -c '.vms[] | select(.name == "vf-only") | [.vf, .limit_bps, .vf_why]' "$tmp/dst.json" 2>/dev/null))" \
		test "$(jq -r '.vms[] | select(.name == "vf-only") | "\(.vf) \(.limit_bps) \(.vf_why)"' "$tmp/dst.json" 2>/dev/null)" = "$PF:0 300000000 enforce: vf"
	check "status: netdevsim's VF counters never move, so they are no source: vf-only decides on its agent's ($(jq -r '.vms[] | select(.name == "vf-only") | .counters' "$tmp/dst.json" 2>/dev/null))" \
		test "$(jq -r '.vms[] | select(.name == "vf-only") | .counters' "$tmp/dst.json" 2>/dev/null)" = agent
	check "status: PF $PF probed: driver netdevsim, 4 VFs, levers legacy-max,legacy-min, a min absolute ($(jq -c '.pfs' "$tmp/dst.json" 2>/dev/null))" \
		test "$(jq -r --arg pf "$PF" '.pfs[] | select(.name == $pf) | "\(.driver) \(.vfs) \(.levers) \(.min)"' "$tmp/dst.json" 2>/dev/null)" = "netdevsim 4 legacy-max,legacy-min absolute"
	check "status: limited is agent-limited with the VF as its backstop ($(jq -c '.vms[] | select(.name == "limited") | [.agent, .vf_why]' "$tmp/dst.json" 2>/dev/null))" \
		test "$(jq -r '.vms[] | select(.name == "limited") | "\(.agent)|\(.vf_why)"' "$tmp/dst.json" 2>/dev/null)" = "agent-limited|backstop: the agent cannot run tc"
	check "override vf-only --max 120mbit" dctl override vf-only --max 120mbit
	check "the override moves VF 0 to 120 (got $(vfmax 0))" wait_eq 10 120 vfmax 0
	check "clear the override" dctl override vf-only --clear
	check "VF 0 back at 300 (got $(vfmax 0))" wait_eq 10 300 vfmax 0
	# (busybox has no pgrep here; the loader runs daqsd, so find it by its arguments)
	check "daqsd stopped (SIGTERM)" gsh 'kill $(ps | awk "/[\/]tmp\/vf\/daqsd -v/ { print \$1 }")'
	check "--on-exit remove: every VF cap reset (VF 0, 1, 3: $(vfmax 0) $(vfmax 1) $(vfmax 3))" \
		wait_eq 15 "0 0 0" eval 'echo "$(vfmax 0) $(vfmax 1) $(vfmax 3)"'
	check "--on-exit remove: VF 1's min (daqsd's) reset too, VF 0's (set with ip link earlier) kept (got $(iprates 1); $(iprates 0))" \
		test "$(iprates 1);$(iprates 0)" = "0 0;20 0"
	check "--on-exit remove: vmb's tc limit removed (got '$(ns_htb vmb)')" wait_eq 10 "" ns_htb vmb
	echo "# daqsd's log in the guest (VF lines):"
	gsh "grep -E 'VF|pf:' /tmp/daqsd.log | head -20" | sed 's/^/#   /' || true
fi

# --- switchdev mode: devlink rate (lib/adapters/devlink.c, pf_devlink.c)
if [[ -n $dltool ]]; then
	echo "# switchdev: devlink rate leaves and nodes, read back with devlink(8) and netdevsim's debugfs"
	DL=netdevsim/netdevsim1
	dlt() { # ARGS: devlink-tool in the guest, like vft
		vrc=0
		gexec "${DLT[@]}" "$@" >"$tmp/vft.out" 2>"$tmp/vft.err" || vrc=$?
	}
	# devlink(8)'s view of rate object OBJ: "TX_SHARE TX_MAX PARENT" (bytes/s; "-" no parent)
	dlrate() {
		gexec "${DLK[@]}" -j port function rate show "$1" >"$tmp/dl.json" 2>&1 || true
		jq -r --arg o "$1" '.rate[$o] | "\(.tx_share // 0) \(.tx_max // 0) \(.parent // "-")"' "$tmp/dl.json" 2>/dev/null
	}
	dbg() { gsh "cat /sys/kernel/debug/netdevsim/netdevsim1/$1" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
	gsh 'grep -q " /sys/kernel/debug " /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug' >/dev/null 2>&1 || true
	check "devlink dev eswitch set $DL mode switchdev" gexec "${DLK[@]}" dev eswitch set "$DL" mode switchdev
	vft set "$PF" 3 max 10
	check "switchdev: the legacy VF rate is refused now (vf-tool set without --auto: EOPNOTSUPP; got $(cat "$tmp/vft.out"))" \
		test "$vrc:$(field errno)" = "1:EOPNOTSUPP"
	declare -A port
	for n in 0 1 2 3; do
		dlt port "$PF" "$n"
		port[$n]=$(field port)
		check "devlink-tool: VF $n's port ${port[$n]} (flavour pcivf 4, vf $n; got $(cat "$tmp/vft.out"))" \
			eval '[[ $vrc == 0 && ${port[$n]} == $DL/* && $(field flavour) == 4 && $(field vf) == $n ]]'
	done
	check "devlink(8) agrees: ${port[1]} is pcivf vfnum 1" \
		eval 'gexec "${DLK[@]}" -j port show "${port[1]}" | jq -e --arg p "${port[1]}" ".port[\$p].flavour == \"pcivf\" and .port[\$p].vfnum == 1" >/dev/null'
	M=125000 # bytes/s in 1 Mbit/s
	vft_auto() { vrc=0; gexec "${VFT[@]:0:4}" --auto "${VFT[@]:4}" "$@" >"$tmp/vft.out" 2>"$tmp/vft.err" || vrc=$?; }
	# a min someone else set, through devlink(8): kept by every change of ours
	check "devlink(8) sets ${port[0]} tx_share 20mbit" gexec "${DLK[@]}" port function rate set "${port[0]}" tx_share 20mbit
	vft_auto set "$PF" 0 max 300
	check "--auto set vf 0 max 300: through its leaf (got $(cat "$tmp/vft.out"))" \
		test "$vrc:$(field result):$(field min):$(field max):$(field lever)" = "0:ok:20:300:devlink:${port[0]}"
	check "devlink(8): ${port[0]} tx_max $((300 * M)) B/s, its tx_share $((20 * M)) kept (got $(dlrate "${port[0]}"))" \
		test "$(dlrate "${port[0]}")" = "$((20 * M)) $((300 * M)) -"
	check "debugfs: ports/${port[0]##*/} tx_share 20 tx_max 300 (Mbps; got $(dbg "ports/${port[0]##*/}/tx_share") $(dbg "ports/${port[0]##*/}/tx_max"))" \
		test "$(dbg "ports/${port[0]##*/}/tx_share") $(dbg "ports/${port[0]##*/}/tx_max")" = "20 300"
	check "the lever is said once ('takes its rates by its devlink ${port[0]} rate leaf')" \
		test "$(grep -c "^log: pf: '$PF' vf 0 takes its rates by its devlink ${port[0]} rate leaf" "$tmp/vft.err")" = 1
	vft_auto set "$PF" 1 min 100 max 200
	check "--auto set vf 1 min 100 max 200 (got $(cat "$tmp/vft.out"); devlink $(dlrate "${port[1]}"))" \
		eval 'test "$vrc:$(field result)" = 0:ok && test "$(dlrate "${port[1]}")" = "$((100 * M)) $((200 * M)) -"'
	vft_auto set "$PF" 1 max 250
	check "--auto set vf 1 max 250: the min is kept (got $(cat "$tmp/vft.out"); devlink $(dlrate "${port[1]}"))" \
		eval 'test "$vrc:$(field result):$(field min):$(field max)" = 0:ok:100:250 && test "$(dlrate "${port[1]}")" = "$((100 * M)) $((250 * M)) -"'
	vft_auto set "$PF" 1 min 300
	check "--auto set vf 1 min 300 above its max: refused, EINVAL, nothing written (got $(cat "$tmp/vft.out"); devlink $(dlrate "${port[1]}"))" \
		eval 'test "$vrc:$(field errno)" = 1:EINVAL && test "$(dlrate "${port[1]}")" = "$((100 * M)) $((250 * M)) -"'
	vft_auto set "$PF" 2 max 800
	check "--auto set vf 2 max 800 (got $(cat "$tmp/vft.out"))" test "$vrc:$(field result):$(field max)" = 0:ok:800
	vft_auto set "$PF" 2 max 6000
	check "--auto set vf 2 max 6000: netdevsim refuses (EINVAL) with its own message, logged ($(grep -o 'exceed[^)]*' "$tmp/vft.err" | head -1))" \
		eval 'test "$vrc:$(field errno)" = 1:EINVAL && grep -q "via devlink ${port[2]} (.*exceed link maximum speed 5000Mbps" "$tmp/vft.err"'
	check "vf 2 keeps its 800 (devlink $(dlrate "${port[2]}"))" test "$(dlrate "${port[2]}")" = "0 $((800 * M)) -"
	dlt leaf-set "$PF" 2 0 1000
	check "devlink-tool leaf-set 1000 B/s (not whole Mbit/s): EINVAL and the kernel's message (got $(cat "$tmp/vft.out"))" \
		eval 'test "$vrc:$(field errno)" = 1:EINVAL && grep -q "why=.*TX rate value not in link speed units of 1Mbps" "$tmp/vft.out"'
	vft_auto set "$PF" 3 max 10 lever legacy
	check "--auto set vf 3 lever legacy (the SLA's vf_lever pinned): the legacy call, which switchdev refuses (got $(cat "$tmp/vft.out"); devlink $(dlrate "${port[3]}"))" \
		eval 'test "$vrc:$(field errno)" = 1:EOPNOTSUPP && test "$(dlrate "${port[3]}")" = "0 0 -"'
	vft_auto list "$PF"
	check "--auto list: vf 1's rates and lever from its leaf ($(vfline 1))" \
		eval 'vfline 1 | grep -q " min=100 max=250 .* lever=devlink:${port[1]}\$"'
	# nodes: a tenant group
	dlt node-new netdevsim netdevsim1 tenant-a
	check "node-new $DL/tenant-a (got $(cat "$tmp/vft.out"))" test "$vrc:$(field result)" = 0:ok
	dlt node-set netdevsim netdevsim1 tenant-a $((500 * M)) $((1000 * M))
	check "node-set tenant-a tx_share 500 tx_max 1000 Mbit/s (devlink $(dlrate "$DL/tenant-a"); debugfs $(dbg rate_nodes/tenant-a/tx_share) $(dbg rate_nodes/tenant-a/tx_max))" \
		eval 'test "$vrc" = 0 && test "$(dlrate "$DL/tenant-a")" = "$((500 * M)) $((1000 * M)) -" && test "$(dbg rate_nodes/tenant-a/tx_share) $(dbg rate_nodes/tenant-a/tx_max)" = "500 1000"'
	dlt node netdevsim netdevsim1 tenant-a
	check "node tenant-a read back (got $(cat "$tmp/vft.out"))" \
		test "$vrc:$(field share):$(field max):$(field leaf)" = "0:$((500 * M)):$((1000 * M)):0"
	dlt parent "$PF" 0 tenant-a
	dlt parent "$PF" 1 tenant-a
	check "vf 0 and 1 in tenant-a (devlink: $(dlrate "${port[0]}") / $(dlrate "${port[1]}"); debugfs rate_parent $(dbg "ports/${port[1]##*/}/rate_parent"))" \
		eval 'test "$(dlrate "${port[0]}" | cut -d" " -f3)$(dlrate "${port[1]}" | cut -d" " -f3)" = tenant-atenant-a && test "$(dbg "ports/${port[1]##*/}/rate_parent")" = tenant-a'
	dlt leaf "$PF" 1
	check "leaf read back names its parent (got $(cat "$tmp/vft.out"))" test "$(field parent)" = tenant-a
	dlt node-del netdevsim netdevsim1 tenant-a
	check "node-del while VFs are in it: refused by the kernel (got $(cat "$tmp/vft.out"))" \
		eval 'test "$vrc" = 1 && test -n "$(dlrate "$DL/tenant-a")" && test "$(dlrate "$DL/tenant-a")" != "null"'
	dlt parent "$PF" 0 ''
	dlt parent "$PF" 1 ''
	check "vf 0 and 1 out of the node (devlink parents: $(dlrate "${port[0]}" | cut -d' ' -f3) $(dlrate "${port[1]}" | cut -d' ' -f3))" \
		test "$(dlrate "${port[0]}" | cut -d' ' -f3) $(dlrate "${port[1]}" | cut -d' ' -f3)" = "- -"
	dlt node-del netdevsim netdevsim1 tenant-a
	check "node-del tenant-a (got $(cat "$tmp/vft.out")); gone from devlink and debugfs" \
		eval 'test "$vrc:$(field result)" = 0:ok && ! gsh "test -e /sys/kernel/debug/netdevsim/netdevsim1/rate_nodes/tenant-a" && ! gexec "${DLK[@]}" -j port function rate show | grep -q tenant-a'
	dlt node netdevsim netdevsim1 tenant-a
	check "node tenant-a no longer there: an errno, not a crash (got $(cat "$tmp/vft.out"))" test "$vrc:$(field result)" = 1:error

	if [[ -n $daqsd ]]; then
		echo "# daqsd in switchdev mode: the same SLA, its VF rates through the leaves"
		check "daqsd starts again (switchdev)" \
			gsh "$DQ /tmp/vf/daqsd -v --config /tmp/sla.yaml --connect none --socket /tmp/daqsd.sock --state-dir /tmp/daqs-state --on-exit remove >/tmp/daqsd2.log 2>&1"
		dlmax() { dlrate "${port[$1]}" | cut -d' ' -f2; }
		check "enforce: vf: VF 0's leaf tx_max is vf-only's 300mbit (got $(dlrate "${port[0]}"))" wait_eq 20 $((300 * M)) dlmax 0
		check "enforce: both: VF 1's leaf tx_share 100 and tx_max 200 Mbit/s (got $(dlrate "${port[1]}"))" \
			wait_eq 20 "$((100 * M)) $((200 * M)) -" dlrate "${port[1]}"
		check "backstop: VF 3's leaf carries limited's 150mbit (got $(dlrate "${port[3]}"))" wait_eq 10 $((150 * M)) dlmax 3
		dctl --json status >"$tmp/dst.json" 2>/dev/null || true
		check "status: vf-only's vf_lever is 'devlink ${port[0]}' ($(jq -r '.vms[] | select(.name == "vf-only") | .vf_lever' "$tmp/dst.json" 2>/dev/null))" \
			test "$(jq -r '.vms[] | select(.name == "vf-only") | .vf_lever' "$tmp/dst.json" 2>/dev/null)" = "devlink ${port[0]}"
		check "status: PF $PF in switchdev: levers devlink-leaf,devlink-node ($(jq -c '.pfs' "$tmp/dst.json" 2>/dev/null))" \
			test "$(jq -r --arg pf "$PF" '.pfs[] | select(.name == $pf) | .levers' "$tmp/dst.json" 2>/dev/null)" = "devlink-leaf,devlink-node"
		check "override vf-only --max 120mbit" dctl override vf-only --max 120mbit
		check "the override moves VF 0's leaf to 120 Mbit/s (got $(dlrate "${port[0]}"))" wait_eq 10 $((120 * M)) dlmax 0
		check "daqsd stopped (SIGTERM)" gsh 'kill $(ps | awk "/[\/]tmp\/vf\/daqsd -v/ { print \$1 }")'
		check "--on-exit remove: every leaf's tx_max reset (VF 0, 1, 3: $(dlmax 0) $(dlmax 1) $(dlmax 3))" \
			wait_eq 15 "0 0 0" eval 'echo "$(dlmax 0) $(dlmax 1) $(dlmax 3)"'
		check "--on-exit remove: VF 1's tx_share (daqsd's) reset, VF 0's (set with ip link) kept (got $(dlrate "${port[1]}"); $(dlrate "${port[0]}"))" \
			test "$(dlrate "${port[1]}");$(dlrate "${port[0]}")" = "0 0 -;$((20 * M)) 0 -"
		check "daqsd said which lever each VF takes" \
			eval 'test "$(gsh "grep -c \"takes its rates by its devlink $DL/[0-9]* rate leaf\" /tmp/daqsd2.log")" = 3'
		echo "# daqsd's log in the guest (pf: lines):"
		gsh "grep 'pf:' /tmp/daqsd2.log | head -10" | sed 's/^/#   /' || true

		echo "# daqsd with a tenant group: its members' leaves in the group's rate node"
		put_file /tmp/sla-g.yaml "version: 1
links: [{name: l0, capacity: 1gbit}]
controller: {period: 200ms}
groups:
  - {name: ten, min: 100mbit, max: 400mbit}
vms:
  - {name: vf-only, class: best-effort, max: 300mbit, agent: /tmp/vma.sock, interface: lo, host_vf: '$PF:0', enforce: vf, group: ten}
  - {name: both, class: guarantee, min: 100mbit, max: 200mbit, agent: /tmp/vmb.sock, interface: lo, host_vf: '$PF:1', enforce: both, group: ten}
  - {name: limited, class: best-effort, max: 150mbit, agent: /tmp/vmc.sock, interface: lo, host_vf: '$PF:3'}
"
		check "daqsd starts with the group SLA" \
			gsh "$DQ /tmp/vf/daqsd -v --config /tmp/sla-g.yaml --connect none --socket /tmp/daqsd.sock --state-dir /tmp/daqs-state-g --on-exit remove >/tmp/daqsd3.log 2>&1"
		parent_of() { dlrate "${port[$1]}" | cut -d' ' -f3; }
		check "group ten's node $DL/daqs-ten: tx_share 100, tx_max 400 Mbit/s (devlink $(dlrate "$DL/daqs-ten"))" \
			wait_eq 20 "$((100 * M)) $((400 * M)) -" dlrate "$DL/daqs-ten"
		check "debugfs: rate_nodes/daqs-ten tx_share 100 tx_max 400 (got $(dbg rate_nodes/daqs-ten/tx_share) $(dbg rate_nodes/daqs-ten/tx_max))" \
			test "$(dbg rate_nodes/daqs-ten/tx_share) $(dbg rate_nodes/daqs-ten/tx_max)" = "100 400"
		check "the members' leaves (VF 0, 1) are under daqs-ten, VF 3's is not ($(parent_of 0) $(parent_of 1) $(parent_of 3))" \
			wait_eq 10 "daqs-ten daqs-ten -" eval 'echo "$(parent_of 0) $(parent_of 1) $(parent_of 3)"'
		check "debugfs: ports/${port[1]##*/}/rate_parent is daqs-ten (got $(dbg "ports/${port[1]##*/}/rate_parent"))" \
			test "$(dbg "ports/${port[1]##*/}/rate_parent")" = daqs-ten
		dctl --json status >"$tmp/dst.json" 2>/dev/null || true
		check "status: vf_node daqs-ten for both members, '' for limited ($(jq -c '[.vms[] | .vf_node]' "$tmp/dst.json" 2>/dev/null))" \
			test "$(jq -r '[.vms[] | "\(.name)=\(.vf_node)"] | sort | join(" ")' "$tmp/dst.json" 2>/dev/null)" = "both=daqs-ten limited= vf-only=daqs-ten"
		check "status: both's share of ten's min is all of it, 100mbit ($(jq -r '.vms[] | select(.name == "both") | .share_min_bps' "$tmp/dst.json" 2>/dev/null))" \
			test "$(jq -r '.vms[] | select(.name == "both") | .share_min_bps' "$tmp/dst.json" 2>/dev/null)" = 100000000
		check "daqsd stopped (SIGTERM)" gsh 'kill $(ps | awk "/[\/]tmp\/vf\/daqsd -v/ { print \$1 }")'
		check "--on-exit remove: the leaves are out of the node ($(parent_of 0) $(parent_of 1))" \
			wait_eq 15 "- -" eval 'echo "$(parent_of 0) $(parent_of 1)"'
		check "--on-exit remove: node daqs-ten deleted (devlink and debugfs)" \
			eval '! gexec "${DLK[@]}" -j port function rate show | grep -q daqs-ten && ! gsh "test -e /sys/kernel/debug/netdevsim/netdevsim1/rate_nodes/daqs-ten"'
		echo "# daqsd's log in the guest (node lines):"
		gsh "grep 'rate node' /tmp/daqsd3.log | head -10" | sed 's/^/#   /' || true
	fi
	check "devlink dev eswitch set $DL mode legacy" gexec "${DLK[@]}" dev eswitch set "$DL" mode legacy
	vft_auto set "$PF" 3 max 40
	check "legacy mode again: --auto takes the legacy VF rate and says so (got $(cat "$tmp/vft.out"); ip $(iprates 3))" \
		eval 'test "$vrc:$(field result):$(field lever)" = 0:ok:legacy && test "$(iprates 3)" = "0 40" && grep -q "vf 3 takes its rates by the legacy VF rate" "$tmp/vft.err"'
	vft_auto set "$PF" 3 max 30 lever devlink
	check "legacy mode, vf_lever devlink pinned: refused (EOPNOTSUPP), said, nothing written (got $(cat "$tmp/vft.out"); ip $(iprates 3))" \
		eval 'test "$vrc:$(field errno)" = 1:EOPNOTSUPP && test "$(iprates 3)" = "0 40" && grep -q "vf 3 (vf_lever: devlink, but it has no devlink rate leaf: .*); nothing written" "$tmp/vft.err"'
fi

echo "# ip -d link show $PF at the end:"
gexec /sbin/ip -d link show "$PF" | sed 's/^/#   /'

# --- down: nothing of the testbed left
up=0
check "testbed down" eval '"$tb" down >"$tmp/down.out" 2>&1'
check "nothing left: no guest, bridge, sink namespace or state directory" \
	eval 'test -z "$(virsh -q -c qemu:///system list --all --name 2>/dev/null | grep daqs-tb- || true)$(ip -o link show | grep daqstb || true)$(ip netns | grep daqstb || true)" && test ! -e "$state"'
echo "vf-netdevsim: $(since "$t0") s"
echo "$passed passed, $failed failed"
((failed == 0))
