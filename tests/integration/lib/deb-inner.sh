#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs inside the container booted by tests/integration/deb.sh (the host's
# root as a throw-away overlay, its own systemd as PID 1), as the oneshot
# daqs-check.service. It installs the package built by scripts/deb with dpkg
# and drives what the maintainer scripts did: group daqs, the unit enabled
# but not started without /etc/daqs/sla.yaml, started once one exists,
# restarted on an upgrade (reinstall) with the limit kept in the guest,
# stopped on removal (which keeps /var/lib/daqs), everything gone on purge.
# One "ok: ..." or "FAIL: ..." line per check, then "done", to
# /daqs-run/result/inner.log. The guest: a network namespace of the host with
# a real qemu-ga, socket /daqs-run/g1.sock, namespace file
# /daqs-netns/$GUEST_NS (from /daqs-run/env).
set -uo pipefail

out=/daqs-run/result/inner.log
exec >>"$out" 2>&1
# shellcheck source=/dev/null # written by the host script: GUEST_NS=..., DEB=...
. /daqs-run/env
# shellcheck source=inner-report.sh
. "$(dirname "$0")/inner-report.sh"
prop() { systemctl show -p "$1" --value daqsd.service; }
htb_rate() { # the guest's HTB leaf 1:10 rate as tc prints it ("" = none)
	nsenter --net="/daqs-netns/$GUEST_NS" tc class show dev eth0 2>/dev/null |
		sed -n 's/^class htb 1:10 .* rate \([^ ]*\) .*/\1/p'
}
htb_is() { [[ $(htb_rate) == "$1" ]]; }
limited() { daqsctl --json status 2>/dev/null | jq -e '.vms[] | select(.name == "b") | .agent == "ok" and .limit_bps == 300000000' >/dev/null; }
active() { systemctl -q is-active daqsd; }
restarted() { active && [[ $(prop MainPID) != "$pid" && $(prop MainPID) != 0 ]]; }

echo "inner: started $(date -u +%T)"
# A container image's policy-rc.d (Docker's "exit 101") would make
# deb-systemd-invoke start nothing; a host has none. This root is an overlay.
rm -f /usr/sbin/policy-rc.d
# ---- install, no SLA yet ----
rc=0
dpkg -i "$DEB" >/tmp/dpkg-i.out 2>&1 || rc=$?
expect "dpkg -i $(basename "$DEB"): exit 0" "dpkg -i exit $rc: $(tail -3 /tmp/dpkg-i.out | tr '\n' ' ')" test $rc -eq 0
expect "dpkg says the package is installed" "dpkg -s: $(dpkg-query -W -f '${Status}' daqs 2>&1)" \
	test "$(dpkg-query -W -f '${Status}' daqs 2>&1)" == "install ok installed"
expect "group daqs created by the postinst (systemd-sysusers)" "no group daqs" getent group daqs
expect "daqsd.service is enabled" "is-enabled: $(systemctl is-enabled daqsd 2>&1)" systemctl -q is-enabled daqsd
expect "daqsd.service is not started without /etc/daqs/sla.yaml" "is-active: $(systemctl is-active daqsd)" \
	test "$(systemctl is-active daqsd)" == inactive
expect "the postinst says why: $(grep -o 'it starts once /etc/daqs/sla.yaml exists' /tmp/dpkg-i.out)" \
	"the postinst said nothing about the missing SLA: $(tail -2 /tmp/dpkg-i.out | tr '\n' ' ')" \
	grep -q 'it starts once /etc/daqs/sla.yaml exists' /tmp/dpkg-i.out
expect "daqsd --version from /usr/sbin: $(/usr/sbin/daqsd --version 2>&1)" "no /usr/sbin/daqsd" test -x /usr/sbin/daqsd
expect "man daqsd finds the installed page" "man -w daqsd: $(man -w daqsd 2>&1)" \
	test "$(man -w daqsd 2>&1)" == /usr/share/man/man8/daqsd.8.gz

# ---- configure and start, as the package's description says ----
mkdir -p /etc/daqs
cp /daqs-run/sla.yaml /etc/daqs/sla.yaml
rc=0
systemctl start daqsd || rc=$?
expect "systemctl start daqsd: exit 0 once the SLA exists" "systemctl start exit $rc" test $rc -eq 0
pid=$(prop MainPID)
expect "its main process is /usr/sbin/daqsd" "MainPID $pid runs $(readlink "/proc/$pid/exe")" \
	test "$(readlink "/proc/$pid/exe")" == /usr/sbin/daqsd
if wait_s 10 limited; then ok "daqsctl status: b agent ok, limit 300 Mbit/s"; else bad "b not limited at 300 Mbit/s: $(daqsctl status 2>&1 | tail -3)"; fi
if wait_s 5 htb_is 300Mbit; then ok "the guest's HTB is 300Mbit"; else bad "the guest's HTB: '$(htb_rate)'"; fi

# ---- upgrade (the same package again: postinst configure with the old version) ----
rc=0
dpkg -i "$DEB" >/tmp/dpkg-u.out 2>&1 || rc=$?
expect "dpkg -i again (upgrade): exit 0" "upgrade exit $rc: $(tail -3 /tmp/dpkg-u.out | tr '\n' ' ')" test $rc -eq 0
if wait_s 10 restarted; then ok "daqsd restarted by the upgrade (pid $pid -> $(prop MainPID)), active"; else bad "not restarted: pid $pid -> $(prop MainPID), $(systemctl is-active daqsd)"; fi
expect "the guest's HTB stayed 300Mbit across the upgrade" "the guest's HTB after the upgrade: '$(htb_rate)'" htb_is 300Mbit
expect "still enabled after the upgrade" "is-enabled: $(systemctl is-enabled daqsd 2>&1)" systemctl -q is-enabled daqsd

# ---- remove, then purge ----
rc=0
dpkg -r daqs >/tmp/dpkg-r.out 2>&1 || rc=$?
expect "dpkg -r daqs: exit 0" "dpkg -r exit $rc: $(tail -3 /tmp/dpkg-r.out | tr '\n' ' ')" test $rc -eq 0
expect "daqsd stopped by the prerm" "is-active after remove: $(systemctl is-active daqsd)" test "$(systemctl is-active daqsd)" != active
expect "/usr/sbin/daqsd gone" "/usr/sbin/daqsd still there" test ! -e /usr/sbin/daqsd
expect "the guest's HTB stayed after the removal (--on-exit keep)" "the guest's HTB after removal: '$(htb_rate)'" htb_is 300Mbit
expect "/var/lib/daqs kept by a remove" "/var/lib/daqs gone after a remove" test -d /var/lib/daqs
rc=0
dpkg --purge daqs >/tmp/dpkg-p.out 2>&1 || rc=$?
expect "dpkg --purge daqs: exit 0" "purge exit $rc: $(tail -3 /tmp/dpkg-p.out | tr '\n' ' ')" test $rc -eq 0
expect "/var/lib/daqs gone after the purge" "/var/lib/daqs still there after purge" test ! -e /var/lib/daqs
expect "no trace in dpkg's database" "dpkg still knows daqs: $(dpkg-query -W -f '${Status}' daqs 2>&1)" \
	test -z "$(dpkg-query -W -f '${Status}' daqs 2>/dev/null)"
echo "done"
