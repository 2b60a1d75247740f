#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# daqsd.service under a real systemd: the build is installed (meson install
# --destdir) and booted with systemd-nspawn --boot --volatile=yes (the host's
# /usr, read-only, on an empty tmpfs root: no image to build or cache), the
# installed tree bound at /usr/local. Inside, the oneshot daqs-check.service
# (tests/integration/lib/systemd-inner.sh) drives the installed unit with the
# container's systemd and journald: start (Type=notify), is-active, the main
# process's capabilities (CAP_CHOWN + CAP_NET_ADMIN only), the control socket
# (0660 root:daqs, group from the installed sysusers.d file), a limit pushed
# into a namespace guest of the host through its raw agent socket under the
# unit's sandbox, systemctl reload (new SLA in force, same process; a corrupt
# file refused by ExecReload=, old SLA kept), journalctl, and systemctl stop
# leaving the limit in the guest (--on-exit keep), which the host checks
# again once the container is gone.
# Not covered: a VF rate over netlink (no netdevsim on this host's kernel;
# vf-netdevsim.sh covers the netlink path without systemd), libvirt (none in
# the container: daqsd reports it disconnected in STATUS=).
#   usage: systemd-nspawn.sh MESON BUILD_DIR     (root; 77 = skipped)
# Touches only namespaces dqf<pid>r<random>-*, a mktemp directory, machine
# name daqs-nsp-<pid> and the processes it starts (stopped by PID). ~15 s.
set -euo pipefail

meson=${1:?usage: systemd-nspawn.sh MESON BUILD_DIR}
build=${2:?usage: systemd-nspawn.sh MESON BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
require_root_netns
for t in systemd-nspawn tc jq nsenter timeout python3; do
	command -v "$t" >/dev/null || skip "$t not installed (scripts/install-deps)"
done
[[ -x /usr/lib/systemd/systemd ]] || skip "systemd not installed (scripts/install-deps)"
qga=$(command -v qemu-ga || echo /usr/sbin/qemu-ga)
[[ -x $qga ]] || skip "qemu-ga not installed"
prefix=$("$meson" introspect --buildoptions "$build" |
	python3 -c 'import json, sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
[[ $prefix == /usr/local ]] || skip "the booted tree is bound at /usr/local: build with the default prefix (this one: $prefix)"

tmp=$(mktemp -d /tmp/daqs-nspawn.XXXXXX)
chmod 711 "$tmp"
namespaces=()
pids=()
machine=daqs-nsp-$$
NSPAWN_PID=
# shellcheck source=../../scripts/lib/agents.sh
. "$here/../../scripts/lib/agents.sh"
# shellcheck source=../../scripts/lib/fixture.sh
. "$here/../../scripts/lib/fixture.sh"
finish() {
	set +e
	[[ -n $NSPAWN_PID ]] && stop_pid "$NSPAWN_PID"
	rmdir "/run/systemd/nspawn/propagate/$machine" 2>/dev/null # nspawn leaves it (it will not rm under /run here)
	fixture_down
	cleanup
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exec >/dev/null 2>&1; exit 141' PIPE # the reader went away (| head): clean up all the same, quietly

# ---- the installed tree ----
"$meson" install -C "$build" --destdir "$tmp/dest" --no-rebuild --quiet >"$tmp/install.out" 2>&1 ||
	{ echo "systemd-nspawn.sh: meson install failed: $(tail -3 "$tmp/install.out")" >&2; exit 1; }
check "installed into a --destdir" test -x "$tmp/dest/usr/local/sbin/daqsd"

# ---- the guest: a namespace with a real qemu-ga ----
fixture_up 1 1gbit >/dev/null || { echo "systemd-nspawn.sh: fixture_up failed" >&2; exit 1; }
start_qga "$(fixture_ns 1)" g1
echo "GUEST_NS=$(fixture_ns 1)" >"$tmp/env"
mkdir -p "$tmp/result" "$tmp/etc-daqs" "$tmp/etc-systemd"
cat >"$tmp/etc-daqs/sla.yaml" <<EOF
version: 1
links:
  - name: l0
    capacity: 1gbit
controller:
  period: 200ms
vms:
  - name: b
    class: best-effort
    max: 300mbit
    agent: /daqs-run/g1.sock
    interface: eth0
EOF

# ---- the container's units: boot straight into the check, then power off ----
cat >"$tmp/etc-systemd/daqs-check.target" <<EOF
[Unit]
Description=daqs: check daqsd.service, then power off
Requires=daqs-check.service
After=daqs-check.service
EOF
cat >"$tmp/etc-systemd/daqs-check.service" <<EOF
[Unit]
Description=daqs: drive the installed daqsd.service
After=basic.target
[Service]
Type=oneshot
ExecStart=/daqs-test/systemd-inner.sh
ExecStopPost=/usr/bin/systemctl --no-block poweroff
TimeoutStartSec=120
EOF
if ldd "$tmp/dest/usr/local/sbin/daqsd" | grep -q libasan; then
	# LeakSanitizer stops the world with ptrace, which SystemCallFilter=@system-service
	# refuses; the sandbox is what is tested here, not the leaks (valgrind.sh does those)
	mkdir -p "$tmp/etc-systemd/daqsd.service.d"
	printf '[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n' >"$tmp/etc-systemd/daqsd.service.d/asan.conf"
fi
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$tmp/machine-id"
echo >>"$tmp/machine-id"

# ---- boot ----
t0=$EPOCHREALTIME
timeout -k 10 150 systemd-nspawn -q -D / --volatile=yes --register=no --keep-unit -M "$machine" \
	--capability=CAP_NET_ADMIN \
	--bind-ro="$tmp/machine-id:/etc/machine-id" \
	--bind-ro="$tmp/etc-systemd:/etc/systemd/system" \
	--bind="$tmp/etc-daqs:/etc/daqs" \
	--bind-ro="$tmp/dest/usr/local:/usr/local" \
	--bind-ro="$here/lib:/daqs-test" \
	--bind-ro=/run/netns:/daqs-netns \
	--bind="$tmp:/daqs-run" \
	--boot -- systemd.unit=daqs-check.target >"$tmp/boot.log" 2>&1 </dev/null &
NSPAWN_PID=$!
rc=0
wait "$NSPAWN_PID" || rc=$?
NSPAWN_PID=
secs=$(since "$t0")
check "the container booted, ran the check and powered off (nspawn exit $rc, ${secs} s)" test "$rc" -eq 0

# ---- what happened inside ----
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
	echo "# daqsd's journal (last 20 lines):"
	tail -20 "$tmp/result/journal" 2>/dev/null | sed 's/^/#   /'
fi

# ---- the host's view, with the container gone ----
rate=$(fixture_exec 1 tc class show dev eth0 | awk '$3 == "1:10" { for (i = 4; i < NF; i++) if ($i == "rate") print $(i + 1) }')
check "the guest's HTB still 200Mbit on the host after the container powered off (seen: ${rate:-none})" \
	test "$rate" == 200Mbit

echo "$passed passed, $failed failed"
((failed == 0))
