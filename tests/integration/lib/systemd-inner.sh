#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs inside the container booted by tests/integration/systemd-nspawn.sh, as
# the oneshot daqs-check.service, with the installed tree at /usr/local. It
# drives the installed daqsd.service through the container's own systemd and
# writes one "ok: ..." or "FAIL: ..." line per check, then "done", to
# /daqs-run/result/inner.log (the host counts them). Its guest is a network
# namespace of the host with a real qemu-ga: socket /daqs-run/g1.sock,
# namespace file /daqs-netns/$GUEST_NS (from /daqs-run/env).
set -uo pipefail

out=/daqs-run/result/inner.log
exec >>"$out" 2>&1
# shellcheck source=/dev/null # written by the host script: GUEST_NS=...
. /daqs-run/env
sla=/etc/daqs/sla.yaml
# shellcheck source=inner-report.sh
. "$(dirname "$0")/inner-report.sh"
st() { daqsctl --json status >/tmp/st.json 2>/tmp/st.err; }
st_true() { st && jq -e "$1" /tmp/st.json >/dev/null 2>&1; }
vm_b() { jq -r ".vms[] | select(.name == \"b\") | $1" /tmp/st.json; }
prop() { systemctl show -p "$1" --value daqsd.service; }
# (no awk here: /usr/bin/awk is an /etc/alternatives link, and /etc is empty)
htb_mbit() { # the guest's HTB leaf 1:10 rate as tc prints it ("" = none)
	nsenter --net="/daqs-netns/$GUEST_NS" tc class show dev eth0 2>/dev/null |
		sed -n 's/^class htb 1:10 .* rate \([^ ]*\) .*/\1/p'
}
# WANT: the guest's HTB becomes WANT within 5 s
htb_becomes() {
	if wait_s 5 htb_is "$1"; then ok "the guest's HTB is $1${2:+ $2}"; else bad "the guest's HTB${2:+ $2}: '$(htb_mbit)', not $1"; fi
}
htb_is() { [[ $(htb_mbit) == "$1" ]]; }
# the predicates below read $pid, $pid2 (the main process before and after a restart)
kept_old() { systemctl -q is-active daqsd && [[ $(prop MainPID) == "$pid" ]] && st_true '.vms[] | select(.name == "b") | .max_bps == 200000000'; }
restarted() { [[ $pid2 != 0 && $pid2 != "$pid" ]] && systemctl -q is-active daqsd; }
stopped_clean() { ! systemctl -q is-active daqsd && [[ $(prop Result) == success ]]; }
member_reads() { as_member daqsctl status >/dev/null 2>&1; }

echo "inner: started $(date -u +%T)"
expect "group daqs exists (systemd-sysusers read /usr/local/lib/sysusers.d/daqs.conf)" \
	"no group daqs after boot" getent group daqs

# ---- start ----
rc=0
systemctl start daqsd.service || rc=$?
expect "systemctl start daqsd: exit 0 (Type=notify: READY=1 came)" "systemctl start daqsd exit $rc" test $rc -eq 0
expect "systemctl is-active: active" "is-active: $(systemctl is-active daqsd)" systemctl -q is-active daqsd
pid=$(prop MainPID)
expect "the unit's main process is the installed daqsd" \
	"MainPID $pid runs $(readlink "/proc/$pid/exe")" test "$(readlink "/proc/$pid/exe")" == /usr/local/sbin/daqsd
caps=$(grep -E '^Cap(Prm|Eff|Bnd):' "/proc/$pid/status" | tr -s '\t' ' ' | tr '\n' ' ')
expect "its capabilities are CAP_CHOWN and CAP_NET_ADMIN only: $caps" "capabilities: $caps" \
	test "$caps" == "CapPrm: 0000000000001001 CapEff: 0000000000001001 CapBnd: 0000000000001001 "
sock=$(stat -c '%a %U:%G' /run/daqs/daqsd.sock 2>&1)
expect "control socket /run/daqs/daqsd.sock: $sock" "control socket: $sock" test "$sock" == "660 root:daqs"
sandbox=$(grep -E '^(NoNewPrivs|Seccomp):' "/proc/$pid/status" | tr -s '\t' ' ' | tr '\n' ' ')
expect "the sandbox is in force: $sandbox" "not sandboxed: $sandbox" test "$sandbox" == "NoNewPrivs: 1 Seccomp: 2 "
status_text=$(prop StatusText)
expect "STATUS= reaches systemd: '$status_text'" "StatusText empty" test -n "$status_text"

# ---- the guest gets its limit through the raw agent socket, under the sandbox ----
if wait_s 10 st_true '.vms[] | select(.name == "b") | .agent == "ok" and .limit_bps == 300000000'; then
	ok "daqsctl status (as root, through the socket): b agent ok, limit 300 Mbit/s"
else
	st
	bad "b not limited at 300 Mbit/s: agent $(vm_b .agent), limit $(vm_b .limit_bps), error $(vm_b .last_error)"
fi
htb_becomes 300Mbit

expect "state written under ProtectSystem=strict (/var/lib/daqs/state.json)" "no /var/lib/daqs/state.json" \
	wait_s 3 test -s /var/lib/daqs/state.json

# ---- the socket group: members read, only root changes ----
gid=$(getent group daqs | cut -d: -f3)
as_member() { setpriv --reuid=65534 --regid=65534 --groups="$gid" "$@"; }
as_other() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
expect "a member of group daqs reads the status" "member: $(as_member daqsctl status 2>&1 | tail -1)" \
	member_reads
as_member daqsctl override b --max 100mbit >/tmp/ovr.out 2>&1
expect "a member may not override (EPERM)" "member override: $(cat /tmp/ovr.out)" grep -q EPERM /tmp/ovr.out
as_other daqsctl status >/tmp/other.out 2>&1
expect "others cannot connect (Permission denied)" "non-member: $(cat /tmp/other.out)" \
	grep -q "Permission denied" /tmp/other.out

# ---- reload ----
sed -i 's/max: 300mbit/max: 200mbit/' "$sla"
rc=0
systemctl reload daqsd.service || rc=$?
expect "systemctl reload: exit 0" "systemctl reload exit $rc" test $rc -eq 0
expect "same process after the reload" "MainPID $pid -> $(prop MainPID)" test "$(prop MainPID)" == "$pid"
expect "active after the reload" "after reload: $(systemctl is-active daqsd)" systemctl -q is-active daqsd
if wait_s 5 st_true '.vms[] | select(.name == "b") | .max_bps == 200000000'; then
	ok "the new SLA in force: b's max 200 Mbit/s in status"
else
	bad "b's max after reload: $(vm_b .max_bps)"
fi
htb_becomes 200Mbit "after the reload"
printf 'version: 1\nlinks:\n  - name: l0\n    capacity: fast\n' >"$sla.bad"
cp "$sla" "$sla.good"
cp "$sla.bad" "$sla"
rc=0
systemctl reload daqsd.service 2>/tmp/reload.err || rc=$?
cp "$sla.good" "$sla"
expect "a corrupt SLA: systemctl reload fails (ExecReload= checks it first)" "corrupt reload exit $rc" test $rc -ne 0
expect "daqsd still active, same process, old SLA" \
	"after the corrupt reload: $(systemctl is-active daqsd), MainPID $(prop MainPID), b's max $(vm_b .max_bps)" \
	kept_old

# ---- Restart=on-failure: SIGKILL, back with its state, the limit never left ----
systemctl kill -s KILL daqsd.service
lost=no
for _ in $(seq 30); do
	htb_is 200Mbit || lost=yes
	[[ $(prop MainPID) != 0 && $(prop MainPID) != "$pid" ]] && systemctl -q is-active daqsd && break
	sleep 0.2
done
pid2=$(prop MainPID)
expect "SIGKILLed: restarted by systemd (MainPID $pid -> $pid2)" \
	"after SIGKILL: $(systemctl is-active daqsd), MainPID $pid2" \
	restarted
expect "the limit stayed in the guest meanwhile" "the guest's HTB left 200Mbit while daqsd was down" test $lost == no
pid=$pid2
if wait_s 5 st_true '.vms[] | select(.name == "b") | .agent == "ok" and .max_bps == 200000000'; then
	ok "the restarted daqsd serves b with the reloaded SLA"
else
	bad "after the restart: b agent $(vm_b .agent), max $(vm_b .max_bps)"
fi

# ---- the journal ----
journalctl -q -u daqsd.service --no-pager -o cat >/tmp/journal 2>&1
expect "journalctl -u daqsd: the reload logged" "journal: no 'reload: new SLA in force' ($(wc -l </tmp/journal) lines)" \
	grep -q "reload: new SLA in force" /tmp/journal
expect "journalctl -u daqsd: the refused file named with file:line by --check-config" \
	"journal: no 'sla.yaml:4:' line" grep -q "sla.yaml:4:" /tmp/journal

# ---- stop: --on-exit keep ----
rc=0
systemctl stop daqsd.service || rc=$?
expect "systemctl stop: exit 0" "systemctl stop exit $rc" test $rc -eq 0
expect "inactive, result success" "after stop: $(systemctl is-active daqsd), result $(prop Result)" \
	stopped_clean
expect "the guest keeps its 200Mbit HTB after the stop (--on-exit keep)" "after stop: '$(htb_mbit)'" htb_is 200Mbit
journalctl -q -u daqsd.service --no-pager -o cat >/tmp/journal 2>&1
expect "journal: 'leaving the limits in force'" "journal: no 'leaving the limits in force'" \
	grep -q "leaving the limits in force" /tmp/journal
cp /tmp/journal /daqs-run/result/journal
echo "done"
