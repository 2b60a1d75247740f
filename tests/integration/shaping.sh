#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end shaping: daqs's in-guest HTB plan (lib/core/tcplan.c) pushed THROUGH
# the guest agent, as the daemon does (lib/adapters/guest.c daqs_guest_tc_apply: read
# back with guest-exec, one `tc -batch -` with the plan on input-data, read
# back and verify; driven by guest-tool against a real qemu-ga running in
# each cheap guest, a network namespace), must hold a TCP flow measured by
# iperf3 to within +-5 % of the limit X, through a shared 1 gbit bottleneck
# (scripts/lib/fixture.sh) that is never the binding constraint.
# After every apply the HTB is read back a second time on the host side
# (`ip netns exec ... tc`) and checked by tcplan-tool, independently of the
# agent's own verification.
#   usage: shaping.sh PATH/TO/tcplan-tool PATH/TO/guest-tool   (root; 77 = skipped)
# Needs: root, ip netns, veth, bridge, sch_htb, iperf3, jq, qemu-ga. Touches
# only the namespaces dqf<pid>r<random>-* (198.18.64.0/24 inside them) and
# mktemp directories; every iperf3 and qemu-ga is bounded or stopped by PID.
# About 50 s.
#
# Which iperf3 number: the receiver's, .end.sum_received.bits_per_second.
# It counts bytes the sink actually got over the measured interval; the
# sender's sum_sent counts bytes written into the socket, which includes what
# still sits in the send buffer (up to tcp_wmem max, 4 MiB = 0.6 s at
# 50 mbit) when the timer ends. Both are printed. The first second (slow
# start, buffer fill) is left out with -O 1.
#
# What the limit means on the wire: HTB charges each packet's qdisc length,
# which for a GSO packet counts the Ethernet/IP/TCP headers of every segment
# (qdisc_pkt_len_init). So X is an L2 rate and TCP goodput lands at about
# MSS / (MSS + 66) = 1448 / 1514 = 95.6 % of X (timestamps on, MTU 1500).
# The same factor shows on the bottleneck: 1 gbit delivers ~956 mbit of
# goodput. Both are measured and printed below.
#
# The guest's tx_bytes counter (/sys/class/net/eth0/statistics, read inside
# the namespace) is sampled over a window strictly inside the busy period and
# compared with iperf3's receiver rate. veth counts skb->len, so with GSO on
# (the default) the headers are counted once per 64 KiB GSO packet, not per
# segment: measured counter/goodput 1.000-1.004. With GSO off (gso_max_segs
# 1) it was 1.046 = 1514/1448, and the counter then read X itself. The bound
# 0.99..1.08 admits both.
set -euo pipefail

tool=${1:?usage: shaping.sh PATH/TO/tcplan-tool PATH/TO/guest-tool}
gtool=${2:?usage: shaping.sh PATH/TO/tcplan-tool PATH/TO/guest-tool}
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$here/../../scripts/lib/report.sh"
require_root_netns
for t in tc iperf3 jq ss timeout awk; do
	command -v "$t" >/dev/null || skip "$t not installed"
done
qga=$(command -v qemu-ga || echo /usr/sbin/qemu-ga)
[[ -x $qga ]] || skip "qemu-ga not installed"
for t in "$tool" "$gtool"; do
	[[ -x $t ]] || {
		echo "shaping.sh: $t is not executable" >&2
		exit 2
	}
done

# shellcheck source=../../scripts/lib/fixture.sh
. "$here/../../scripts/lib/fixture.sh"
tmp=$(mktemp -d /tmp/shaping.XXXXXX)
# The agents' harness (start_qga; its cleanup() stops $pids by PID, then waits for
# every child, so the fixture (iperf3 servers) must go down first,
# and removes $tmp; the fixture removes its own namespaces).
namespaces=()
pids=()
# shellcheck source=../../scripts/lib/agents.sh
. "$here/../../scripts/lib/agents.sh"
trap 'set +e; fixture_down; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exec >/dev/null 2>&1; exit 141' PIPE # the reader went away (| head): clean up all the same, quietly

CAPACITY=1gbit # bottleneck; above every limit below
SECS=4         # measured seconds (-t); the run lasts OMIT + SECS
OMIT=1
TOL=0.05 # +-5 % of X

# awk-based float helpers (reached through check: SC2317 is a false alarm)
# shellcheck disable=SC2317
within() { awk -v m="$1" -v x="$2" -v t="$3" 'BEGIN { d = m / x - 1; exit !(d <= t && d >= -t) }'; }
pct() { awk -v m="$1" -v x="$2" 'BEGIN { printf "%+.2f%%", (m / x - 1) * 100 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'; }

recv_bps() { jq -er '.end.sum_received.bits_per_second' "$1"; }
sent_bps() { jq -er '.end.sum_sent.bits_per_second' "$1"; }

now() { echo "$EPOCHREALTIME"; }
sleep_until() { # EPOCH
	local d
	d=$(awk -v t="$1" -v n="$EPOCHREALTIME" 'BEGIN { d = t - n; printf "%.3f", (d > 0 ? d : 0) }')
	sleep "$d"
}

# Put RATE in force on guest I's eth0 through its agent (guest-tool apply:
# the daemon's code path), then read the HTB back on the host side and check
# it against the plan with tcplan-tool.
# shellcheck disable=SC2317 # run through check
apply_limit() { # I RATE
	"$gtool" "$tmp/g$1.sock" apply eth0 "$2" || return 1
	fixture_exec "$1" tc -j qdisc show dev eth0 >"$tmp/q.json"
	fixture_exec "$1" tc -d -j class show dev eth0 >"$tmp/c.out"
	"$tool" check eth0 "$2" "$tmp/q.json" "$tmp/c.out"
}

# One bounded run in guest I with P streams; the JSON goes to OUT, and the
# tx_bytes rate over [start + 1.5 s, end - 0.4 s] to the global CTR_BPS.
CTR_BPS=0
measure() { # I P OUT
	local i=$1 p=$2 out=$3 t0 ta tb ba bb
	fixture_iperf_bg "$i" "$p" "$SECS" "$out" -O "$OMIT"
	t0=$(now)
	sleep_until "$(awk -v t="$t0" 'BEGIN { printf "%.6f", t + 1.5 }')"
	ta=$(now)
	ba=$(fixture_txbytes "$i")
	sleep_until "$(awk -v t="$t0" -v d=$((OMIT + SECS)) 'BEGIN { printf "%.6f", t + d - 0.4 }')"
	tb=$(now)
	bb=$(fixture_txbytes "$i")
	CTR_BPS=$(awk -v a="$ba" -v b="$bb" -v s="$ta" -v e="$tb" 'BEGIN { printf "%.0f", (b - a) * 8 / (e - s) }')
	fixture_wait "$FIXTURE_PID" || {
		echo "# iperf3 in guest $i failed: $(cat "$out.err" 2>/dev/null) $(jq -r '.error // empty' "$out" 2>/dev/null)"
		return 1
	}
}

echo "# fixture: 2 guests, bottleneck HTB $CAPACITY on the bridge port to the sink"
if ! fixture_up 2 "$CAPACITY"; then
	fail "fixture_up 2 $CAPACITY"
	echo "$passed passed, $failed failed"
	exit 1
fi
echo "# run directory $FIXTURE_DIR, namespaces $FIXTURE_PREFIX-*"
for i in 1 2; do
	start_qga "$(fixture_ns "$i")" "g$i"
	echo "# guest $i: qemu-ga pid $qga_pid on $tmp/g$i.sock"
done

# 1. Calibrate: what the bottleneck delivers as TCP goodput (4 streams).
cap_bps=$(_fixture_bits "$CAPACITY")
goodput=0
if measure 2 4 "$tmp/cal.json"; then
	goodput=$(recv_bps "$tmp/cal.json")
	echo "# calibration: $CAPACITY bottleneck, guest 2 unlimited, 4 streams:" \
		"received $(mbit "$goodput") Mbit/s ($(pct "$goodput" "$cap_bps") vs 1000)," \
		"sent $(mbit "$(sent_bps "$tmp/cal.json")"), counter $(mbit "$CTR_BPS")"
	check "bottleneck goodput $(mbit "$goodput") Mbit/s is 90..100 % of $CAPACITY" \
		awk -v g="$goodput" -v c="$cap_bps" 'BEGIN { exit !(g >= 0.90 * c && g <= 1.0 * c) }'
else
	fail "calibration run failed"
fi

# 2. The limit binds: X per case, 1 and 4 streams.
for x in 50 200 500; do
	xbps=$((x * 1000000))
	check "guest 1: ${x}mbit plan applied and in force" apply_limit 1 "${x}mbit"
	check "${x}mbit is below the bottleneck goodput" fcmp "$xbps" '<' "$goodput"
	for p in 1 4; do
		out=$tmp/x$x-p$p.json
		if ! measure 1 "$p" "$out"; then
			fail "${x}mbit, $p stream(s): iperf3 run"
			continue
		fi
		r=$(recv_bps "$out")
		s=$(sent_bps "$out")
		cr=$(ratio "$CTR_BPS" "$r")
		echo "# ${x}mbit P=$p: received $(mbit "$r") ($(pct "$r" "$xbps")), sent $(mbit "$s")" \
			"($(pct "$s" "$xbps")), tx_bytes counter $(mbit "$CTR_BPS") ($(pct "$CTR_BPS" "$xbps")), counter/received $cr"
		# HTB charges each segment's headers: X is a wire rate, goodput is X * 1448/1514.
		gbps=$(awk -v x="$xbps" 'BEGIN { printf "%.0f", x * 1448 / 1514 }')
		check "${x}mbit, $p stream(s): iperf3 received $(mbit "$r") Mbit/s within +-5 % of X*1448/1514 = $(mbit "$gbps")" \
			within "$r" "$gbps" "$TOL"
		# The counter counts what left eth0 (headers included, once per GSO
		# packet) over a window inside the busy period; it must not fall
		# below goodput nor exceed the L2 factor plus some jitter.
		check "${x}mbit, $p stream(s): tx_bytes/iperf3 = $cr is within 0.99..1.08" \
			awk -v c="$cr" 'BEGIN { exit !(c >= 0.99 && c <= 1.08) }'
	done
done

# 3. Contention: A limited to 300 mbit (1 stream) against B unlimited (4
# streams) on the shared bottleneck, run twice:
#  - fifo bottleneck (one shared queue, a plain NIC): TCP shares a FIFO by
#    stream count, so A's fair share (about 1/5 of the goodput) is below 300
#    and the limit cannot bind: only "A never exceeds its limit" and "the
#    bottleneck stays full" hold; the split is reported.
#  - fair bottleneck (a queue and 500 mbit guaranteed per guest, borrowing up
#    to 1 gbit): A's share is above 300, so A must get 300 (+-5 %) and B most
#    of the rest.
check "guest 1: 300mbit plan applied and in force" apply_limit 1 300mbit
check "guest 2: unlimited (no HTB)" apply_limit 2 unlimited
contend() { # MODE -> RA RB
	RA=0 RB=0
	local pa pb
	fixture_bottleneck "$1" || return 1
	fixture_iperf_bg 1 1 "$SECS" "$tmp/a-$1.json" -O "$OMIT"
	pa=$FIXTURE_PID
	fixture_iperf_bg 2 4 "$SECS" "$tmp/b-$1.json" -O "$OMIT"
	pb=$FIXTURE_PID
	if ! fixture_wait "$pa"; then
		fixture_wait "$pb" || true
		return 1
	fi
	fixture_wait "$pb" || return 1
	RA=$(recv_bps "$tmp/a-$1.json")
	RB=$(recv_bps "$tmp/b-$1.json")
	echo "# contention ($1 bottleneck): A (300mbit, 1 stream) $(mbit "$RA") ($(pct "$RA" 300e6))," \
		"B (unlimited, 4 streams) $(mbit "$RB"), A+B $(mbit "$(awk -v a="$RA" -v b="$RB" 'BEGIN { print a + b }')")" \
		"= $(pct "$(awk -v a="$RA" -v b="$RB" 'BEGIN { print a + b }')" "$goodput") vs calibrated goodput $(mbit "$goodput")"
}
if contend fifo; then
	check "contention fifo: A $(mbit "$RA") Mbit/s does not exceed 300 + 5 %" fcmp "$RA" '<=' 315e6
	check "contention fifo: A+B fill >= 95 % of the bottleneck goodput" \
		fcmp "$(awk -v a="$RA" -v b="$RB" 'BEGIN { print a + b }')" '>=' "$(awk -v g="$goodput" 'BEGIN { print 0.95 * g }')"
else
	fail "contention fifo: iperf3 runs ($(cat "$tmp/a-fifo.json.err" "$tmp/b-fifo.json.err" 2>/dev/null))"
fi
if contend fair; then
	left=$(awk -v g="$goodput" -v a="$RA" 'BEGIN { printf "%.0f", g - a }')
	check "contention fair: A received $(mbit "$RA") Mbit/s within +-5 % of 300*1448/1514" \
		within "$RA" "$(awk 'BEGIN { printf "%.0f", 300e6 * 1448 / 1514 }')" "$TOL"
	check "contention fair: B received $(mbit "$RB") Mbit/s >= 80 % of (goodput - A) = $(mbit "$left")" \
		fcmp "$RB" '>=' "$(awk -v l="$left" 'BEGIN { print 0.8 * l }')"
else
	fail "contention fair: iperf3 runs ($(cat "$tmp/a-fair.json.err" "$tmp/b-fair.json.err" 2>/dev/null))"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
