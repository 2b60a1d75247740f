#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package: scripts/deb builds it (release build, --prefix=/usr,
# in BUILD_DIR/deb so a second run is incremental), lintian finds nothing,
# the package holds the documented files, and it installs, starts, upgrades,
# removes and purges under a real systemd: systemd-nspawn --boot
# --volatile=overlay of the host's own root (every write goes to a tmpfs
# overlay that vanishes with the container: dpkg's database, /usr, /etc),
# /etc/systemd/system replaced by a directory holding only the check units.
# Inside, tests/integration/lib/deb-inner.sh runs dpkg and systemctl against
# a namespace guest of the host with a real qemu-ga (raw agent socket).
#   usage: deb.sh MESON BUILD_DIR     (root; 77 = skipped)
# Touches only namespaces dqf<pid>r<random>-*, a mktemp directory, machine
# name daqs-deb-<pid>, BUILD_DIR/deb and the processes it starts (by PID).
set -euo pipefail

build=${2:?usage: deb.sh MESON BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
require_root_netns
for t in systemd-nspawn dpkg-deb lintian tc jq nsenter timeout; do
	command -v "$t" >/dev/null || skip "$t not installed (scripts/install-deps)"
done
[[ -x /usr/lib/systemd/systemd ]] || skip "systemd not installed (scripts/install-deps)"
qga=$(command -v qemu-ga || echo /usr/sbin/qemu-ga)
[[ -x $qga ]] || skip "qemu-ga not installed"

tmp=$(mktemp -d /tmp/daqs-deb.XXXXXX)
chmod 711 "$tmp"
namespaces=()
pids=()
machine=daqs-deb-$$
NSPAWN_PID=
ctr=$(mktemp -d /tmp/daqs-deb-root.XXXXXX) # not under $tmp: that is bound into the container
ovl=$ctr/ovl
root=$ctr/root
# shellcheck source=../../scripts/lib/agents.sh
. "$here/../../scripts/lib/agents.sh"
# shellcheck source=../../scripts/lib/fixture.sh
. "$here/../../scripts/lib/fixture.sh"
finish() {
	set +e
	[[ -n $NSPAWN_PID ]] && stop_pid "$NSPAWN_PID"
	mountpoint -q "$root" && umount "$root"
	mountpoint -q "$ovl" && umount "$ovl"
	rmdir "$ovl" "$root" "$ctr" 2>/dev/null
	rmdir "/run/systemd/nspawn/propagate/$machine" 2>/dev/null
	fixture_down
	cleanup
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exec >/dev/null 2>&1; exit 141' PIPE # the reader went away (| head): clean up all the same, quietly

# ---- build ----
t0=$EPOCHREALTIME
if "$src/scripts/deb" --out "$tmp" --build-dir "$build/deb" >"$tmp/deb.out" 2>&1; then
	pass "scripts/deb built $(tail -1 "$tmp/deb.out" | xargs basename) in $(since "$t0") s"
else
	fail "scripts/deb failed: $(tail -5 "$tmp/deb.out" | tr '\n' ' ')"
	echo "$passed passed, $failed failed"
	exit 1
fi
deb=$(tail -1 "$tmp/deb.out")
check "lintian: clean (no error, warning or info tag)" grep -qx "deb: lintian: clean" "$tmp/deb.out"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print substr($6, 2) }' | sort >"$tmp/contents"
for f in /usr/sbin/daqsd /usr/bin/daqsctl /usr/bin/daqs-sim /lib/systemd/system/daqsd.service \
	/usr/lib/sysusers.d/daqs.conf /usr/share/man/man8/daqsd.8.gz /usr/share/man/man5/daqs-sla.5.gz /usr/share/man/man7/daqs-security.7.gz \
	/usr/share/bash-completion/completions/daqsctl /usr/share/doc/daqs/examples/example.yaml \
	/usr/share/doc/daqs/copyright; do
	check "the package holds $f" grep -qx "$f" "$tmp/contents"
done
check "the package ships no /etc/daqs/sla.yaml" bash -c "! grep -q '^/etc/' '$tmp/contents'"
check "the unit runs /usr/sbin/daqsd" bash -c "dpkg-deb --fsys-tarfile '$deb' | tar -xO ./lib/systemd/system/daqsd.service | grep -qx 'ExecStart=/usr/sbin/daqsd --foreground --config /etc/daqs/sla.yaml --socket-group daqs'"
depends=$(dpkg-deb -f "$deb" Depends)
check "Depends from dpkg-shlibdeps names libvirt0 and libnl-route-3-200: $depends" \
	bash -c "grep -q 'libvirt0' <<<'$depends' && grep -q 'libnl-route-3-200' <<<'$depends'"

# ---- the guest: a namespace with a real qemu-ga ----
fixture_up 1 1gbit >/dev/null || { echo "deb.sh: fixture_up failed" >&2; exit 1; }
start_qga "$(fixture_ns 1)" g1
cp "$deb" "$tmp/daqs.deb"
printf 'GUEST_NS=%s\nDEB=/daqs-run/daqs.deb\n' "$(fixture_ns 1)" >"$tmp/env"
mkdir -p "$tmp/result" "$tmp/etc-systemd"
cat >"$tmp/sla.yaml" <<EOF
version: 1
links:
  - name: l0
    capacity: 1gbit
vms:
  - name: b
    class: best-effort
    max: 300mbit
    agent: /daqs-run/g1.sock
    interface: eth0
EOF
cat >"$tmp/etc-systemd/daqs-check.target" <<EOF
[Unit]
Description=daqs: check the package, then power off
Requires=daqs-check.service
After=daqs-check.service
EOF
cat >"$tmp/etc-systemd/daqs-check.service" <<EOF
[Unit]
Description=daqs: install and drive the package
After=basic.target
[Service]
Type=oneshot
ExecStart=/daqs-test/deb-inner.sh
ExecStopPost=/usr/bin/systemctl --no-block poweroff
TimeoutStartSec=180
EOF
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$tmp/machine-id"
echo >>"$tmp/machine-id"

# ---- the container's root: the host's, with writes going to a tmpfs ----
mkdir -p "$ovl" "$root"
mount -t tmpfs -o size=1g,mode=0755 "daqs-deb-$$" "$ovl"
mkdir "$ovl/upper" "$ovl/work"
mount -t overlay "daqs-deb-$$" -o "lowerdir=/,upperdir=$ovl/upper,workdir=$ovl/work" "$root"

# ---- boot ----
t0=$EPOCHREALTIME
rc=0
timeout -k 10 240 systemd-nspawn -q -D "$root" --register=no --keep-unit -M "$machine" \
	--capability=CAP_NET_ADMIN \
	--bind-ro="$tmp/machine-id:/etc/machine-id" \
	--bind="$tmp/etc-systemd:/etc/systemd/system" \
	--bind-ro="$here/lib:/daqs-test" \
	--bind-ro=/run/netns:/daqs-netns \
	--bind="$tmp:/daqs-run" \
	--boot -- systemd.unit=daqs-check.target >"$tmp/boot.log" 2>&1 </dev/null &
NSPAWN_PID=$!
wait "$NSPAWN_PID" || rc=$?
NSPAWN_PID=
check "the container booted, ran the check and powered off (nspawn exit $rc, $(since "$t0") s)" test "$rc" -eq 0

inner=$tmp/result/inner.log
if [[ -s $inner ]]; then
	while IFS= read -r line; do
		case $line in
		ok:*) pass "${line#ok: }" ;;
		FAIL:*) fail "${line#FAIL: }" ;;
		*) echo "   | $line" ;;
		esac
	done <"$inner"
fi
check "the check inside ran to its end" grep -qx "done" "$inner"
if ((failed)); then
	echo "# boot log (last 30 lines):"
	tail -30 "$tmp/boot.log" | sed 's/^/#   /'
fi
check "the host has no daqs package (the container's dpkg was an overlay)" \
	test -z "$(dpkg-query -W -f '${Status}' daqs 2>/dev/null)"
echo "$passed passed, $failed failed"
((failed == 0))
