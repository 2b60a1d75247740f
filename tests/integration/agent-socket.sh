#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The raw unix-socket agent transport (lib/adapters/agent_socket.c) against real
# qemu-ga 7.2 daemons, each in its own network namespace (one namespace plus
# one socket = one fake guest), and against tests/fake_agent.py for the
# failures a real agent does not produce.
#   usage: agent-socket.sh PATH/TO/agent-tool      (root; exit 77 = skipped)
# Needs: root, ip netns, qemu-ga, jq, python3. Touches only namespaces named
# agsock-<pid>-*, addresses in 198.18.0.0/15 and a mktemp directory.
# Predicates are passed to check() as single-quoted eval strings on purpose:
# they expand when check runs them (so variables set there are used, SC2034).
# shellcheck disable=SC2016,SC2034
set -euo pipefail

tool=${1:?usage: agent-socket.sh PATH/TO/agent-tool}
here=$(cd "$(dirname "$0")" && pwd)
fake=$here/../fake_agent.py

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
require_root_netns
qga=$(command -v qemu-ga || echo /usr/sbin/qemu-ga)
[[ -x $qga ]] || skip "qemu-ga not installed"
command -v jq >/dev/null || skip "jq not installed"
command -v python3 >/dev/null || skip "python3 not installed"
[[ -x $tool ]] || {
	echo "agent-socket.sh: $tool is not executable" >&2
	exit 2
}

tmp=$(mktemp -d /tmp/agsock.XXXXXX)
ns_a=agsock-$$-a
ns_b=agsock-$$-b
namespaces=()
pids=() # every agent (real or fake) ever started, killed by PID on exit

. "$here/../../scripts/lib/agents.sh"
trap cleanup EXIT

# start_fake SCENARIO [IDLOG]: fake agent on $tmp/fake-SCENARIO.sock; sets fake_sock
start_fake() {
	fake_sock=$tmp/fake-$1.sock
	python3 "$fake" "$fake_sock" "$@" &
	pids+=("$!")
	wait_for 250 test -S "$fake_sock" || {
		echo "agent-socket.sh: fake agent '$1' did not start" >&2
		exit 1
	}
}

# Two fake guests joined by a veth pair: A agsa0 198.18.0.1/30, B agsb0 198.18.0.2/30.
setup_namespaces() {
	ip netns add "$ns_a"
	namespaces+=("$ns_a")
	ip netns add "$ns_b"
	namespaces+=("$ns_b")
	ip -n "$ns_a" link add agsa0 type veth peer name agsb0 netns "$ns_b"
	ip -n "$ns_a" addr add 198.18.0.1/30 dev agsa0
	ip -n "$ns_b" addr add 198.18.0.2/30 dev agsb0
	ip -n "$ns_a" link set agsa0 up
	ip -n "$ns_b" link set agsb0 up
	ip -n "$ns_a" link set lo up
	ip -n "$ns_b" link set lo up
}

# Some datagrams out of A's veth, so tx-bytes is well away from zero.
send_traffic() {
	ip netns exec "$ns_a" bash -c \
		'for i in $(seq 50); do echo "daqs agent-socket test $i" >/dev/udp/198.18.0.2/9; done' \
		2>/dev/null || true
}

out_has() { grep -q -- "$1" "$tmp/out"; }
err_has() { grep -q -- "$1" "$tmp/err"; }

ping_req='{"execute":"guest-ping"}'
ifaces_req='{"execute":"guest-network-get-interfaces"}'

ok_reply() { # JQ-FILTER: the call succeeded and its reply satisfies the filter
	[[ $rc -eq 0 ]] && jq -e "$1" "$tmp/out" >/dev/null 2>&1
}
failed_with() { # ERRNAME MAX_MS: the call failed with ERRNAME within MAX_MS
	[[ $rc -eq 1 ]] && err_has "($1)" && [[ $elapsed -lt $2 ]]
}
in_range() { [[ $1 =~ ^[0-9]+$ && $1 -ge $2 && $1 -le $3 ]]; }
repeat_line() { # FILE I STATUS: line I of an agent-tool --repeat run has STATUS
	grep -q "^$2 $3 " "$1"
}
repeat_ms() { awk -v i="$2" '$1 == i {print $3}' "$1"; }

t_ping() {
	run "$sock_a" "$ping_req"
	check "guest-ping answered by qemu-ga in $ns_a (${elapsed} ms)" ok_reply '.return == {}'
	run "$sock_a" '{"execute":"guest-info"}'
	check "guest-info: guest-shutdown and guest-set-time blocked, guest-ping enabled" ok_reply \
		'[.return.supported_commands[] | {(.name): .enabled}] | add |
		 .["guest-shutdown"] == false and .["guest-set-time"] == false and
		 .["guest-ping"] == true'
}

t_error_reply() {
	run "$sock_a" '{"execute":"daqs-no-such-command"}'
	check "error reply returned with EREMOTEIO and logged once" \
		eval '[[ $rc -eq 1 ]] && out_has CommandNotFound && err_has "(EREMOTEIO)" &&
		      [[ $(grep -c "agent: command failed" "$tmp/err") -eq 1 ]]'
}

t_interfaces() {
	local names agent_tx sys_tx
	send_traffic
	run "$sock_a" "$ifaces_req"
	sys_tx=$(ip netns exec "$ns_a" cat /sys/class/net/agsa0/statistics/tx_bytes)
	names=$(jq -r '[.return[].name] | sort | join(",")' "$tmp/out" 2>/dev/null || true)
	agent_tx=$(jq -r '.return[] | select(.name == "agsa0") | .statistics."tx-bytes"' \
		"$tmp/out" 2>/dev/null || true)
	check "guest-network-get-interfaces in $ns_a lists agsa0,lo (got '$names')" \
		test "$rc" -eq 0 -a "$names" = agsa0,lo
	check "agsa0 tx-bytes: agent $agent_tx, sysfs $sys_tx (sysfs read after; within 512 B)" \
		eval 'in_range "$agent_tx" 1000 "$sys_tx" && [[ $((sys_tx - agent_tx)) -le 512 ]]'
	check "agsa0 reports 198.18.0.1/30" ok_reply \
		'.return[] | select(.name == "agsa0") | ."ip-addresses"[] |
		 select(."ip-address" == "198.18.0.1") | .prefix == 30'
}

# One transport across an agent restart: the second call reconnects and resyncs.
t_restart() {
	local out=$tmp/restart.out tp trc=0 old=$pid_a
	"$tool" --repeat 2 --interval 2000 "$sock_a" "$ping_req" >"$out" 2>"$tmp/err" &
	tp=$!
	wait_for 250 grep -q '^0 ' "$out" || true
	stop_pid "$old"
	start_qga "$ns_a" a
	pid_a=$qga_pid
	wait "$tp" || trc=$?
	cp "$out" "$tmp/out"
	check "agent killed (pid $old) and restarted (pid $pid_a): same transport reconnects, resyncs" \
		eval '[[ $trc -eq 0 && $pid_a != "$old" ]] && repeat_line "$out" 0 ok &&
		      repeat_line "$out" 1 ok && [[ ! -s $tmp/err ]]'
}

t_stopped() {
	local out=$tmp/stopped.out tp trc=0 ms0
	kill -STOP "$pid_a"
	run "$sock_a" "$ping_req" 500
	check "SIGSTOPped agent: call with a 500 ms deadline fails ETIMEDOUT in ${elapsed} ms (< 1000)" \
		eval 'failed_with ETIMEDOUT 1000 && [[ $elapsed -ge 500 ]] &&
		      [[ $(grep -c "agent: .* failed" "$tmp/err") -eq 1 ]]'
	"$tool" --repeat 2 --interval 1500 "$sock_a" "$ifaces_req" 500 >"$out" 2>"$tmp/err" &
	tp=$!
	wait_for 250 grep -q '^0 ' "$out" || true
	kill -CONT "$pid_a"
	wait "$tp" || trc=$?
	cp "$out" "$tmp/out"
	ms0=$(repeat_ms "$out" 0)
	check "same transport: call 0 ETIMEDOUT in ${ms0:-?} ms (500..999), after SIGCONT call 1 ok" \
		eval '[[ $trc -eq 1 ]] && repeat_line "$out" 0 ETIMEDOUT &&
		      in_range "$ms0" 500 999 && repeat_line "$out" 1 ok'
}

t_nobody() {
	local stale=$tmp/stale.sock
	run "$tmp/nobody.sock" "$ping_req" 3000
	check "no socket file: ENOENT at once (${elapsed} ms), reported as one clear line" \
		eval 'failed_with ENOENT 1500 &&
		      err_has "agent: connect failed '"'$tmp/nobody.sock'"' (No such file or directory)"'
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$stale"
	run "$stale" "$ping_req" 3000
	check "stale socket file, nobody listening: ECONNREFUSED at once (${elapsed} ms)" \
		eval 'failed_with ECONNREFUSED 1500 &&
		      err_has "agent: connect failed '"'$stale'"' (Connection refused)"'
}

t_two_agents() {
	local names
	run "$sock_b" "$ifaces_req"
	names=$(jq -r '[.return[].name] | sort | join(",")' "$tmp/out" 2>/dev/null || true)
	check "agent in $ns_b lists its own interfaces agsb0,lo (got '$names')" \
		test "$rc" -eq 0 -a "$names" = agsb0,lo
	kill -STOP "$pid_a"
	"$tool" "$sock_a" "$ping_req" 300 >"$tmp/a-stopped.out" 2>&1 &
	run "$sock_b" "$ping_req" 2000
	check "agent B answers (${elapsed} ms) while agent A is stopped" ok_reply '.return == {}'
	wait
	kill -CONT "$pid_a"
	run "$sock_a" "$ping_req"
	check "agent A answers again after SIGCONT" ok_reply '.return == {}'
}

# qemu-ga serves one client at a time: a second client gets a clean timeout.
t_busy() {
	local holder
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); open(sys.argv[2], "w").close()
time.sleep(30)' "$sock_b" "$tmp/holder.ready" &
	holder=$!
	pids+=("$holder")
	wait_for 250 test -e "$tmp/holder.ready" || true
	sleep 0.1 # let qemu-ga accept it
	run "$sock_b" "$ping_req" 500
	check "agent busy with another client: ETIMEDOUT in ${elapsed} ms" failed_with ETIMEDOUT 1000
	stop_pid "$holder"
	run "$sock_b" "$ping_req"
	check "agent free again: next call works" ok_reply '.return == {}'
}

# Scripted failures (tests/fake_agent.py): one check per scenario.
t_fake_single() { # SCENARIO DESCRIPTION PREDICATE... (deadline 500 ms)
	local scenario=$1 what=$2
	shift 2
	start_fake "$scenario"
	run "$fake_sock" '{"execute":"daqs-test"}' 500
	check "fake agent, $scenario: $what (${elapsed} ms)" "$@"
	stop_pid "${pids[-1]}"
}

t_fake() {
	t_fake_single garbage "junk before the sentinel discarded, call ok" \
		ok_reply '.return == {}'
	t_fake_single split "sync and reply split across writes, call ok" \
		ok_reply '.return.split == "across several writes"'
	t_fake_single wrong-id "wrong sync id -> EPROTO" \
		eval 'failed_with EPROTO 500 && err_has "agent: sync failed"'
	t_fake_single oversize "reply over DAQS_QGA_MAX_REPLY -> EPROTO" \
		eval 'failed_with EPROTO 1000 && err_has "longer than"'
	t_fake_single eof-no-newline "half a line then EOF -> ECONNRESET" \
		failed_with ECONNRESET 500
	t_fake_single silent "request never answered -> ETIMEDOUT" \
		eval 'failed_with ETIMEDOUT 1000 && err_has "agent: reply failed"'
	t_fake_single silent-sync "sync never answered -> ETIMEDOUT" \
		eval 'failed_with ETIMEDOUT 1000 && err_has "agent: sync failed"'
	t_fake_single error "error object -> EREMOTEIO, line returned, control chars not logged" \
		eval 'failed_with EREMOTEIO 500 && out_has CommandNotFound &&
		      err_has "(CommandNotFound: no such?thing?\[31m)" && [[ $(wc -l <"$tmp/err") -eq 2 ]]'
	t_fake_single not-json "reply not JSON -> EPROTO" \
		eval 'failed_with EPROTO 500 && err_has "not a JSON object"'
}

t_fake_repeat() { # SCENARIO N DESCRIPTION PREDICATE...: N calls on one transport
	local scenario=$1 n=$2 what=$3
	shift 3
	rm -f "$tmp/ids"
	start_fake "$scenario" "$tmp/ids"
	run --repeat "$n" --interval 100 "$fake_sock" '{"execute":"daqs-test"}' 1000
	check "fake agent, $scenario: $what" "$@"
	stop_pid "${pids[-1]}"
}

distinct_ids() { # N: the fake saw N sync ids, all different
	[[ $(wc -l <"$tmp/ids") -eq $1 && $(sort -u "$tmp/ids" | wc -l) -eq $1 ]]
}

t_fake_repeats() {
	t_fake_repeat ok 3 "3 calls on one connection, 1 handshake" \
		eval '[[ $rc -eq 0 ]] && distinct_ids 1'
	t_fake_repeat close-each 3 "agent closes after each reply: quiet reconnect, 3 fresh sync ids" \
		eval '[[ $rc -eq 0 ]] && distinct_ids 3 && [[ ! -s $tmp/err ]]'
	t_fake_repeat two-lines 3 "unsolicited line = stray bytes: ok, EPROTO, then resync and ok" \
		eval 'repeat_line "$tmp/out" 0 ok && repeat_line "$tmp/out" 1 EPROTO &&
		      repeat_line "$tmp/out" 2 ok && distinct_ids 2'
}

setup_namespaces
start_qga "$ns_a" a
pid_a=$qga_pid
sock_a=$tmp/a.sock
start_qga "$ns_b" b
sock_b=$tmp/b.sock

t_ping
t_error_reply
t_interfaces
t_restart
t_stopped
t_nobody
t_two_agents
t_busy
t_fake
t_fake_repeats

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
