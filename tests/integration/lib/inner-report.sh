# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the checks that run inside a booted container (systemd-inner.sh,
# deb-inner.sh): one "ok: ..." or "FAIL: ..." line per check on stdout,
# which the host script counts.
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; }
expect() { # OK-TEXT FAIL-TEXT CMD...
	local o=$1 b=$2
	shift 2
	if "$@"; then ok "$o"; else bad "$b"; fi
}
wait_s() { # SECONDS CMD...: poll every 0.1 s
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		"${@:2}" && return 0
		sleep 0.1
	done
	return 1
}
