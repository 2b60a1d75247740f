# SPDX-License-Identifier: GPL-2.0-or-later
# Shared harness for the integration scripts that run real qemu-ga daemons in
# network namespaces (one namespace plus one socket = one fake guest).
# Source it after setting: tool (the driver program), tmp (a mktemp
# directory), and the arrays namespaces=() and pids=() that cleanup removes
# (namespaces by name, processes by PID). Source lib/report.sh before it.
# shellcheck shell=bash
# tool, tmp, qga, namespaces and pids are the sourcing script's; rc and elapsed are for it.
# shellcheck disable=SC2154,SC2034

# Everything in qemu-ga that could act on the host is blocked.
AGENT_BLOCKED=guest-shutdown,guest-suspend-disk,guest-suspend-ram,guest-suspend-hybrid
AGENT_BLOCKED+=,guest-fsfreeze-freeze,guest-fsfreeze-freeze-list,guest-set-time
AGENT_BLOCKED+=,guest-set-user-password,guest-set-vcpus,guest-set-memory-blocks,guest-file-write

proc_gone() { # PID: gone or a zombie
	local state
	[[ -r /proc/$1/stat ]] || return 0
	state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[[ -z $state || $state == Z ]]
}

stop_pid() { # PID (a stopped process is continued first so TERM can act)
	local i
	kill -CONT "$1" 2>/dev/null || true
	kill -TERM "$1" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		proc_gone "$1" && return 0
		sleep 0.02
	done
	kill -KILL "$1" 2>/dev/null || true
}

cleanup() {
	local p ns
	set +e
	for p in "${pids[@]}"; do
		stop_pid "$p"
	done
	wait 2>/dev/null
	for ns in "${namespaces[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$tmp"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# run ARGS...: the driver with rc, elapsed ms, stdout and stderr in $tmp/out, $tmp/err
run() {
	local t0
	t0=$(now_ms)
	rc=0
	"$tool" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	elapsed=$(($(now_ms) - t0))
}

wait_for() { # TRIES(x20ms) CMD...
	local i
	for ((i = 0; i < $1; i++)); do
		"${@:2}" && return 0
		sleep 0.02
	done
	return 1
}

pidfile_ready() { [[ -s $1 && -S $2 ]]; }

# start_qga NS NAME [EXTRA_BLOCKED]: qemu-ga on $tmp/NAME.sock inside NS, its
# request log in $tmp/NAME.log; sets qga_pid. EXTRA_BLOCKED starts with a comma.
start_qga() {
	local ns=$1 name=$2 extra=${3:-}
	mkdir -p "$tmp/$name.state"
	rm -f "$tmp/$name.pid"
	ip netns exec "$ns" "$qga" -m unix-listen -p "$tmp/$name.sock" -t "$tmp/$name.state" \
		-d -f "$tmp/$name.pid" -v -l "$tmp/$name.log" -b "$AGENT_BLOCKED$extra" \
		2>>"$tmp/$name.stderr"
	wait_for 250 pidfile_ready "$tmp/$name.pid" "$tmp/$name.sock" || {
		echo "$(basename "$0"): qemu-ga in $ns did not start" >&2
		exit 1
	}
	qga_pid=$(cat "$tmp/$name.pid")
	pids+=("$qga_pid")
}
