# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Cheap-guest traffic fixture for the integration tests: N guest network
# namespaces contending for one shared bottleneck in front of a sink
# namespace that runs one iperf3 server per guest. Source it, then:
#
#   fixture_up N CAPACITY      build everything (CAPACITY e.g. 1gbit)
#   fixture_down               remove everything this run created; idempotent
#
#   fixture_ns I | sink | hub  namespace name (I = 1..N)
#   fixture_ip I | sink        IPv4 address (no prefix length)
#   fixture_exec I CMD...      run CMD inside guest I's namespace
#   fixture_txbytes I          tx_bytes of guest I's eth0 (read in its netns)
#   fixture_set_capacity CAP   change the bottleneck rate in place
#   fixture_bottleneck fifo|fair
#                              one shared queue (default, a plain NIC) or a
#                              queue and a CAPACITY/N share per guest
#   fixture_iperf I P T OUT [IPERF3 ARGS...]
#                              bounded iperf3 client in guest I: P streams,
#                              -t T, --json to OUT; waits for it
#   fixture_iperf_bg I P T OUT [IPERF3 ARGS...]
#                              the same in the background; its PID is left in
#                              FIXTURE_PID; collect it with fixture_wait PID
#
# Topology (addresses from 198.18.0.0/15 only, no default route, no NAT,
# ip_forward untouched; nothing is created in the caller's namespace):
#
#   guest I netns            hub netns                       sink netns
#   eth0 198.18.64.(10+I) -- gI ┐
#                               ├ br0 ── s0 [HTB CAPACITY] ── eth0 198.18.64.1
#   eth0 198.18.64.(10+J) -- gJ ┘        ^ the shared "NIC"   iperf3 -s on
#                                                             5201+I-1 per guest
# s0's HTB: 1:1 CAPACITY > 1:2 (default leaf, shared pfifo) and 1:(10+I)
# (per-guest leaves, used only in fixture_bottleneck fair mode).
#
# Why a bridge and not one veth per guest straight into the sink: with direct
# veths every guest would have its own egress queue into the sink, and a
# shared bottleneck would need ifb plus act_mirred on the sink's ingress.
# Behind a bridge all guest flows merge on one egress, the bridge port toward
# the sink (hub's s0), and the HTB "NIC" sits there, where every guest must
# contend for it. This is the libvirt layout (taps in one bridge) and the
# testbed's (tbbr0 with the HTB on tbsink-h), so agent and daemon tests see
# the same picture as with real VMs, and each guest's own eth0 root qdisc is
# left entirely to daqs. The bridge lives in its own "hub" namespace rather
# than the caller's: the host's iptables (br_netfilter is on here) and link
# list never see it, and tearing down is just deleting our namespaces.
#
# Bounds: every iperf3 runs under timeout(1). Servers live at most
# FIXTURE_SERVER_LIFETIME seconds (default 600) even if fixture_down never
# runs; a client at most T + 30 s (iperf3's -O adds to -t). Everything is
# stopped by PID.
#
# Bookkeeping: the run directory FIXTURE_DIR (made by fixture_up with mktemp
# unless set beforehand) holds `namespaces` (each name is written there before
# it is created), `pids` (every process started), the server logs and the
# prefix. fixture_down only ever deletes namespaces listed there that also
# carry this run's prefix, and only kills PIDs listed there or living inside
# those namespaces.
#
# Works under `set -euo pipefail`: functions report "fixture: ..." on stderr
# and return non-zero. The caller owns the trap, e.g.
#   trap fixture_down EXIT; trap 'exit 130' INT; trap 'exit 143' TERM

FIXTURE_PREFIX=${FIXTURE_PREFIX:-dqf$$r$RANDOM}
FIXTURE_SERVER_LIFETIME=${FIXTURE_SERVER_LIFETIME:-600}
FIXTURE_NET=198.18.64 # /24 inside 198.18.0.0/15; private to our bridge
FIXTURE_BASE_PORT=5201
FIXTURE_N=0
# shellcheck disable=SC2034 # read by the caller
FIXTURE_CAPACITY=
FIXTURE_PID=
_fixture_own_dir=0

_fixture_err() {
	echo "fixture: $*" >&2
	return 1
}

# "1gbit", "500mbit", "64kbit", "1000000bit", "1.5gbit" -> bits per second
_fixture_bits() {
	local v=$1 n mult
	case $v in
	*gbit) n=${v%gbit} mult=1000000000 ;;
	*mbit) n=${v%mbit} mult=1000000 ;;
	*kbit) n=${v%kbit} mult=1000 ;;
	*bit) n=${v%bit} mult=1 ;;
	*) n='' ;;
	esac
	[[ $n =~ ^[0-9]+(\.[0-9]+)?$ ]] || _fixture_err "bad rate '$v' (want e.g. 1gbit, 500mbit)" || return 1
	awk -v n="$n" -v m="$mult" 'BEGIN { printf "%.0f\n", n * m }'
}

fixture_ns() { # I | sink | hub
	case $1 in
	sink | hub) echo "$FIXTURE_PREFIX-$1" ;;
	*)
		[[ $1 =~ ^[0-9]+$ && $1 -ge 1 && $1 -le $FIXTURE_N ]] ||
			_fixture_err "no guest '$1' (have 1..$FIXTURE_N)" || return 1
		echo "$FIXTURE_PREFIX-g$1"
		;;
	esac
}

fixture_ip() { # I | sink
	case $1 in
	sink) echo "$FIXTURE_NET.1" ;;
	*)
		fixture_ns "$1" >/dev/null || return 1
		echo "$FIXTURE_NET.$((10 + $1))"
		;;
	esac
}

fixture_port() { # I
	fixture_ns "$1" >/dev/null || return 1
	echo $((FIXTURE_BASE_PORT + $1 - 1))
}

fixture_exec() { # I CMD...
	local ns
	ns=$(fixture_ns "$1") || return 1
	shift
	ip netns exec "$ns" "$@"
}

fixture_txbytes() { # I
	fixture_exec "$1" cat /sys/class/net/eth0/statistics/tx_bytes
}

_fixture_record_pid() { echo "$1" >>"$FIXTURE_DIR/pids"; }

# Run a setup command; on failure say which one (works where set -e is off).
_fx() {
	"$@" || _fixture_err "failed: $*"
}

_fixture_add_ns() { # NAME
	# Never adopt a namespace someone else made: only record names we create.
	[[ ! -e /run/netns/$1 ]] || _fixture_err "namespace $1 already exists" || return 1
	echo "$1" >>"$FIXTURE_DIR/namespaces"
	_fx ip netns add "$1" || return 1
	_fx ip -n "$1" link set lo up
}

# HTB "NIC" on the hub's port toward the sink. Explicit burst (2 ms of the
# rate, at least 64 KiB: veth hands over 64 KiB GSO packets) and quantum, so
# the kernel neither collapses the burst nor warns about the quantum.
_fixture_htb_params() { # CAPACITY
	local bits burst
	bits=$(_fixture_bits "$1") || return 1
	[[ $bits -gt 0 ]] || _fixture_err "capacity must be > 0" || return 1
	burst=$((bits / 8 / 500))
	((burst >= 65536)) || burst=65536
	echo "rate $bits ceil $bits burst ${burst}b cburst ${burst}b quantum 60000"
}

# The bottleneck: class 1:1 = CAPACITY for everything; below it the leaf
# 1:2 (the default: one shared pfifo, a plain NIC queue) and one leaf 1:(10+I)
# per guest (rate CAPACITY/N, ceil CAPACITY, own pfifo) that only gets
# traffic in "fair" mode, when u32 filters steer each guest's source address
# into its own class.
_fixture_bottleneck_classes() { # N CAPACITY add|replace
	local n=$1 hub params share i
	hub=$(fixture_ns hub)
	params=$(_fixture_htb_params "$2") || return 1
	share=$(_fixture_bits "$2") || return 1
	share=$((share / n))
	# shellcheck disable=SC2086 # params is several words on purpose
	_fx ip netns exec "$hub" tc class "$3" dev s0 parent 1: classid 1:1 htb $params || return 1
	# shellcheck disable=SC2086
	_fx ip netns exec "$hub" tc class "$3" dev s0 parent 1:1 classid 1:2 htb $params || return 1
	params=${params/rate * ceil/rate $share ceil}
	for ((i = 1; i <= n; i++)); do
		# shellcheck disable=SC2086
		_fx ip netns exec "$hub" tc class "$3" dev s0 parent 1:1 classid "1:$((10 + i))" htb $params ||
			return 1
	done
	[[ $3 == add ]] || return 0
	_fx ip netns exec "$hub" tc qdisc add dev s0 parent 1:2 handle 2: pfifo limit 1000 || return 1
	for ((i = 1; i <= n; i++)); do
		_fx ip netns exec "$hub" tc qdisc add dev s0 parent "1:$((10 + i))" \
			handle "$((10 + i)):" pfifo limit 1000 || return 1
	done
}

fixture_set_capacity() { # CAPACITY
	_fixture_bottleneck_classes "$FIXTURE_N" "$1" replace ||
		_fixture_err "cannot set the bottleneck to $1" || return 1
	FIXTURE_CAPACITY=$1
}

# fifo: every guest shares one queue, like a plain NIC; a guest with more
# TCP streams takes a bigger share (the default).
# fair: each guest has its own queue and a guaranteed CAPACITY/N, borrowing
# up to CAPACITY (HTB DRR between guests), like a per-VM fair scheduler.
fixture_bottleneck() { # fifo|fair
	local hub i
	hub=$(fixture_ns hub)
	case $1 in
	fifo | fair) ;;
	*) _fixture_err "usage: fixture_bottleneck fifo|fair" || return 1 ;;
	esac
	ip netns exec "$hub" tc filter del dev s0 parent 1: 2>/dev/null || true
	[[ $1 == fair ]] || return 0
	for ((i = 1; i <= FIXTURE_N; i++)); do
		_fx ip netns exec "$hub" tc filter add dev s0 parent 1: protocol ip prio 1 u32 \
			match ip src "$(fixture_ip "$i")/32" flowid "1:$((10 + i))" || return 1
	done
}

_fixture_wait_listen() { # PORT
	local sink i
	sink=$(fixture_ns sink)
	for ((i = 0; i < 100; i++)); do
		if [[ -n $(ip netns exec "$sink" ss -Hltn "sport = :$1") ]]; then
			return 0
		fi
		sleep 0.05
	done
	_fixture_err "iperf3 server on port $1 did not start (log: $FIXTURE_DIR/server-$1.log)"
}

_fixture_start_server() { # I
	local port sink
	port=$(fixture_port "$1") || return 1
	sink=$(fixture_ns sink)
	ip netns exec "$sink" timeout -k 2 "$FIXTURE_SERVER_LIFETIME" \
		iperf3 -s -B "$(fixture_ip sink)" -p "$port" \
		--pidfile "$FIXTURE_DIR/server-$port.pid" \
		>"$FIXTURE_DIR/server-$port.log" 2>&1 </dev/null &
	_fixture_record_pid $!
	_fixture_wait_listen "$port"
}

# The guest reaches the sink: a TCP connect to a closed port is refused at
# once (reachable) instead of timing out. No ICMP tools needed.
_fixture_reachable() { # I
	local out
	out=$(timeout 3 ip netns exec "$(fixture_ns "$1")" \
		bash -c "exec 3<>/dev/tcp/$(fixture_ip sink)/9" 2>&1) && return 0
	[[ $out == *"refused"* ]] || _fixture_err "guest $1 cannot reach the sink: ${out:-timeout}"
}

fixture_up() { # N CAPACITY
	local n=${1:-} cap=${2:-} hub sink ns i params
	[[ $n =~ ^[0-9]+$ && $n -ge 1 && $n -le 200 ]] ||
		_fixture_err "usage: fixture_up N(1..200) CAPACITY" || return 1
	params=$(_fixture_htb_params "$cap") || return 1
	[[ $(id -u) -eq 0 ]] || _fixture_err "needs root" || return 1
	local tool
	for tool in ip tc iperf3 timeout ss; do
		command -v "$tool" >/dev/null || _fixture_err "$tool not found" || return 1
	done
	if [[ -z ${FIXTURE_DIR:-} ]]; then
		FIXTURE_DIR=$(mktemp -d "/tmp/$FIXTURE_PREFIX.XXXXXX") ||
			_fixture_err "cannot create a run directory" || return 1
		_fixture_own_dir=1
	fi
	mkdir -p "$FIXTURE_DIR"
	echo "$FIXTURE_PREFIX" >"$FIXTURE_DIR/prefix"
	: >>"$FIXTURE_DIR/namespaces"
	: >>"$FIXTURE_DIR/pids"
	FIXTURE_N=$n
	hub=$(fixture_ns hub)
	sink=$(fixture_ns sink)

	_fixture_add_ns "$hub" || return 1
	_fx ip -n "$hub" link add br0 type bridge stp_state 0 forward_delay 0 || return 1
	_fx ip -n "$hub" link set br0 up || return 1

	_fixture_add_ns "$sink" || return 1
	_fx ip -n "$hub" link add s0 type veth peer name eth0 netns "$sink" || return 1
	_fx ip -n "$sink" addr add "$(fixture_ip sink)/24" dev eth0 || return 1
	_fx ip -n "$sink" link set eth0 up || return 1
	_fx ip -n "$hub" link set s0 master br0 up || return 1
	_fx ip netns exec "$hub" tc qdisc add dev s0 root handle 1: htb default 2 || return 1
	_fixture_bottleneck_classes "$n" "$cap" add || return 1
	# shellcheck disable=SC2034 # read by the caller
	FIXTURE_CAPACITY=$cap

	for ((i = 1; i <= n; i++)); do
		ns=$(fixture_ns "$i")
		_fixture_add_ns "$ns" || return 1
		_fx ip -n "$hub" link add "g$i" type veth peer name eth0 netns "$ns" || return 1
		_fx ip -n "$ns" addr add "$(fixture_ip "$i")/24" dev eth0 || return 1
		_fx ip -n "$ns" link set eth0 up || return 1
		_fx ip -n "$hub" link set "g$i" master br0 up || return 1
	done
	for ((i = 1; i <= n; i++)); do
		_fixture_start_server "$i" || return 1
	done
	for ((i = 1; i <= n; i++)); do
		_fixture_reachable "$i" || return 1
	done
}

# iperf3 client in guest I, bounded by -t and by timeout(1). Extra arguments
# go to iperf3 (e.g. -O 1). The JSON lands in OUT even when iperf3 fails.
_fixture_client() { # I P T OUT [ARGS...]
	local i=$1 p=$2 t=$3 out=$4 port
	shift 4
	[[ $p =~ ^[0-9]+$ && $p -ge 1 && $t =~ ^[0-9]+$ && $t -ge 1 ]] ||
		_fixture_err "usage: fixture_iperf I STREAMS SECONDS OUT [iperf3 args]" || return 1
	port=$(fixture_port "$i") || return 1
	# exec: the recorded PID is timeout's, which passes TERM on to iperf3.
	exec timeout -k 2 $((t + 30)) ip netns exec "$(fixture_ns "$i")" \
		iperf3 -c "$(fixture_ip sink)" -p "$port" -P "$p" -t "$t" --json \
		--connect-timeout 3000 "$@" >"$out" 2>"$out.err" </dev/null
}

fixture_iperf_bg() { # I P T OUT [ARGS...]
	fixture_ns "$1" >/dev/null || return 1
	(_fixture_client "$@") &
	FIXTURE_PID=$!
	_fixture_record_pid "$FIXTURE_PID"
}

fixture_wait() { # PID -> the client's exit status
	local rc=0
	wait "$1" || rc=$?
	return "$rc"
}

fixture_iperf() { # I P T OUT [ARGS...]
	fixture_iperf_bg "$@" || return 1
	fixture_wait "$FIXTURE_PID" || _fixture_err "iperf3 in guest $1 failed: $(cat "$4.err" 2>/dev/null)$(jq -r '.error // empty' "$4" 2>/dev/null)"
}

_fixture_alive() { # PID: running and not a zombie
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $state && $state != Z ]]
}

_fixture_stop_pid() { # PID
	local i
	_fixture_alive "$1" || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	for ((i = 0; i < 40; i++)); do
		_fixture_alive "$1" || return 0
		sleep 0.05
	done
	kill -KILL "$1" 2>/dev/null || true
}

_fixture_is_ours() { # NAMESPACE
	local prefix
	prefix=$(cat "$FIXTURE_DIR/prefix" 2>/dev/null) || return 1
	[[ -n $prefix && $1 == "$prefix"-* ]]
}

fixture_down() {
	local pid ns p
	[[ -n ${FIXTURE_DIR:-} && -d $FIXTURE_DIR ]] || return 0
	# Our own processes first: servers (timeout forwards TERM to iperf3),
	# clients, then anything else still living in our namespaces.
	if [[ -f $FIXTURE_DIR/pids ]]; then
		while read -r pid; do
			[[ $pid =~ ^[0-9]+$ ]] && _fixture_stop_pid "$pid"
		done <"$FIXTURE_DIR/pids"
		for p in "$FIXTURE_DIR"/server-*.pid; do
			[[ -f $p ]] || continue
			pid=$(cat "$p" 2>/dev/null) || continue
			[[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == iperf3 ]] &&
				_fixture_stop_pid "$pid"
		done
	fi
	if [[ -f $FIXTURE_DIR/namespaces ]]; then
		while read -r ns; do
			if [[ -z $ns ]] || ! _fixture_is_ours "$ns"; then
				continue
			fi
			[[ -e /run/netns/$ns ]] || continue
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				_fixture_stop_pid "$pid"
			done
			ip netns del "$ns" 2>/dev/null ||
				echo "fixture: could not delete namespace $ns" >&2
		done <"$FIXTURE_DIR/namespaces"
	fi
	# Reap our background children (only those) so none lingers as a zombie.
	if [[ -f $FIXTURE_DIR/pids ]]; then
		while read -r pid; do
			[[ $pid =~ ^[0-9]+$ ]] && { wait "$pid" 2>/dev/null || true; }
		done <"$FIXTURE_DIR/pids"
	fi
	if ((_fixture_own_dir)); then
		rm -rf "$FIXTURE_DIR"
		FIXTURE_DIR=
		_fixture_own_dir=0
	else
		: >"$FIXTURE_DIR/pids"
		: >"$FIXTURE_DIR/namespaces"
	fi
	FIXTURE_N=0
	return 0
}
