#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# daqsd refuses directories where another user could plant files: a
# --state-dir writable by group or others, or owned by another user (exit 1,
# the message names the path, the owner and the mode), and a control-socket
# directory others may write that is not sticky. In a sticky one (like /tmp)
# it starts, and the socket is 0660 root:GROUP.
#   usage: daemon-dirs.sh PATH/TO/daqsd      (needs $DAQS_SRCDIR; root)
set -euo pipefail

daqsd=${1:?usage: daemon-dirs.sh PATH/TO/daqsd}
src=${DAQS_SRCDIR:?DAQS_SRCDIR must point at the source tree}
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$src/scripts/lib/report.sh"
[[ $(id -u) -eq 0 ]] || skip "needs root (directories of other owners)"
tmp=$(mktemp -d)
daqsd_pid=''
finish() {
	local rc=$?
	reap "$daqsd_pid"
	rm -rf "$tmp"
	exit "$rc"
}
trap finish EXIT
cat >"$tmp/sla.yaml" <<EOF
version: 1
links:
  - name: l0
    capacity: 1gbit
vms: []
EOF

# refused DESCRIPTION WANT_TEXT ARGS...: daqsd exits 1 within 5 s saying WANT_TEXT
refused() {
	local rc=0
	timeout 5 "$daqsd" --foreground --connect none --config "$tmp/sla.yaml" "${@:3}" \
		>"$tmp/out" 2>"$tmp/err" || rc=$?
	if [[ $rc -eq 1 ]] && grep -qF -- "$2" "$tmp/err"; then
		pass "$1: exit 1, '$(grep -F -- "$2" "$tmp/err" | sed 's/^.*: error: //' | head -1)'"
	else
		fail "$1: exit $rc, wanted 1 and '$2': $(head -c 300 "$tmp/err")"
	fi
}

mkdir -m 700 "$tmp/run" "$tmp/st-ok"
mkdir "$tmp/st-777" && chmod 777 "$tmp/st-777"
refused "state dir 0777" "refusing --state-dir: '$tmp/st-777' is owned by uid 0, mode 0777" \
	--socket "$tmp/run/a.sock" --state-dir "$tmp/st-777"
mkdir "$tmp/st-770" && chmod 770 "$tmp/st-770"
refused "state dir 0770" "'$tmp/st-770' is owned by uid 0, mode 0770" \
	--socket "$tmp/run/a.sock" --state-dir "$tmp/st-770"
mkdir -m 700 "$tmp/st-other" && chown 65534 "$tmp/st-other"
refused "state dir of uid 65534" "'$tmp/st-other' is owned by uid 65534, mode 0700" \
	--socket "$tmp/run/a.sock" --state-dir "$tmp/st-other"
mkdir "$tmp/sock-777" && chmod 777 "$tmp/sock-777"
refused "socket dir 0777, not sticky" "refusing the socket directory '$tmp/sock-777': mode 0777" \
	--socket "$tmp/sock-777/a.sock" --state-dir "$tmp/st-ok"

# a sticky one is accepted: the socket is born 0660 and given to the group
mkdir "$tmp/sock-1777" && chmod 1777 "$tmp/sock-1777"
"$daqsd" --foreground --connect none --config "$tmp/sla.yaml" --socket "$tmp/sock-1777/a.sock" \
	--socket-group nogroup --state-dir "$tmp/st-ok" >"$tmp/daqsd.log" 2>&1 &
daqsd_pid=$!
if wait_until 5 test -S "$tmp/sock-1777/a.sock"; then
	got=$(stat -c '%a %U:%G' "$tmp/sock-1777/a.sock")
	if [[ $got == "660 root:nogroup" ]]; then
		pass "sticky socket dir accepted; the socket is $got"
	else
		fail "the socket is $got, wanted 660 root:nogroup"
	fi
else
	fail "daqsd did not start with a sticky socket dir: $(tail -3 "$tmp/daqsd.log" | tr '\n' ' ')"
fi
echo "$passed passed, $failed failed"
((failed == 0))
