# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the integration and CLI test scripts (tests/integration,
# tests/cli) and scripts/bench-scale: skipping with exit 77 (meson's SKIP),
# the root + network-namespace requirement, and the ok:/FAIL: lines with the
# passed/failed counters behind the closing "N passed, N failed" line.
# Source it first; check() shows $tmp/out and $tmp/err when they exist.
# shellcheck shell=bash
# passed, failed and tmp are shared with the sourcing script.
# shellcheck disable=SC2034,SC2154

passed=0
failed=0

skip() {
	echo "SKIP: $*"
	exit 77
}

require_root_netns() {
	[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces)"
	if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
		skip "ip netns unavailable"
	fi
}

pass() {
	passed=$((passed + 1))
	echo "ok: $*"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
}
check() { # DESCRIPTION CMD...: pass if CMD succeeds, else fail and show output
	local what=$1
	shift
	if "$@"; then
		pass "$what"
	else
		fail "$what"
		sed 's/^/    | /' "${tmp:-/nonexistent}/out" "${tmp:-/nonexistent}/err" 2>/dev/null | head -20 || true
	fi
}

# Float helpers for measured figures (awk: bash has no floating point).
fcmp() { awk -v a="$1" -v b="$3" "BEGIN { exit !(a $2 b) }"; } # A OP B, e.g. fcmp "$r" '>=' 380e6
mbit() { awk -v v="$1" 'BEGIN { printf "%.1f", v / 1e6 }'; }   # bit/s -> "123.4"
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; } # seconds since EPOCHREALTIME a
reap() { # PID ("" none): a child of ours, sent TERM and waited for
	[[ -n $1 ]] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
wait_until() { # SECONDS CMD...: poll (every 0.2 s) until CMD succeeds or SECONDS passed
	local end
	end=$(awk -v t="$EPOCHREALTIME" -v d="$1" 'BEGIN { printf "%.3f", t + d }')
	while :; do
		"${@:2}" && return 0
		fcmp "$EPOCHREALTIME" '>' "$end" && return 1
		sleep 0.2
	done
}
