#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# daqsctl end to end against a fake daemon (tests/ctl_fake_daemon.py): the
# table and --json output, the request lines the daemon receives, daemon
# errors (exit 1 with the daemon's text and code), unreachable or forbidden
# sockets, timeouts, usage errors (exit 2, nothing sent), and the local
# `check` command.
#   usage: daqsctl.sh PATH/TO/daqsctl      (needs $DAQS_SRCDIR)
set -euo pipefail

ctl=${1:?usage: daqsctl.sh PATH/TO/daqsctl}
src=${DAQS_SRCDIR:?DAQS_SRCDIR must point at the source tree}
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$src/scripts/lib/report.sh"
fake=$src/tests/ctl_fake_daemon.py
status_reply=$src/tests/data/ctl/status-reply.json
tmp=$(mktemp -d)
fake_pid=
cleanup() {
	if [[ -n $fake_pid ]]; then
		kill "$fake_pid" 2>/dev/null || true
		wait "$fake_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp" # the EACCES check runs as nobody: only the socket may refuse it
sock=$tmp/daqsd.sock
log=$tmp/requests.log

# start_fake REPLY_LINE...: (re)start the fake daemon with these replies, empty log
start_fake() {
	stop_fake
	printf '%s\n' "$@" >"$tmp/replies"
	: >"$log"
	python3 "$fake" "$sock" "$tmp/replies" "$log" 30 &
	fake_pid=$!
	for _ in $(seq 100); do
		[[ -S $sock ]] && return 0
		sleep 0.05
	done
	echo "fake daemon did not start" >&2
	exit 1
}
stop_fake() {
	if [[ -n $fake_pid ]]; then
		kill "$fake_pid" 2>/dev/null || true
		wait "$fake_pid" 2>/dev/null || true
		fake_pid=
	fi
	rm -f "$sock"
}

# run ARGS...: daqsctl on the fake's socket; sets rc, leaves $tmp/out and $tmp/err
run() {
	rc=0
	"$ctl" --socket "$sock" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

expect_rc() { # WANT DESCRIPTION
	if [[ $rc -eq $1 ]]; then
		pass "$2 (exit $rc)"
	else
		fail "$2: exit $rc, wanted $1"
		sed 's/^/     | /' "$tmp/out" "$tmp/err" >&2
	fi
}

expect_file() { # FILE WANT_TEXT DESCRIPTION
	if [[ "$(cat "$1")" == "$2" ]]; then
		pass "$3"
	else
		fail "$3"
		diff <(echo "$2") "$1" | sed 's/^/     | /' >&2 || true
	fi
}

expect_grep() { # FILE FIXED_TEXT DESCRIPTION
	if grep -qF -- "$2" "$1"; then
		pass "$3"
	else
		fail "$3: '$2' not in $(basename "$1")"
		sed 's/^/     | /' "$1" >&2
	fi
}

# ---- status ----
start_fake "$(cat "$status_reply")"
run status
expect_rc 0 "status"
expect_file "$tmp/out" "cycle 1234 (2.5 ms), period 200ms, policy daqs, sla /etc/daqs/sla.yaml

LINK     CAPACITY  EFFECTIVE        TX   UTIL  RESERVED  VMS
uplink0    40gbit     40gbit  10.1gbit  0.254    10gbit    3

VM       CLASS        SLA          MIN      MAX  WEIGHT        TX        RX    LIMIT  MODE       AGENT          IFACE  KIND    HOSTIF  AUTO    SAT  OVR  LEFT  ERROR
web-1    guarantee    metadata  10gbit        -       1  9.85gbit  1.23mbit   30gbit  satisfied  ok             bond0  bond    vnet3   yes   0.985  yes   90s  -
batch-2  best-effort  file        0bit  300mbit       2   295mbit         -  300mbit  capped     ok             eth0   virtio  -       no        -  no      -  -
old-3    best-effort  defaults    0bit        -       1         -         -        -  protect    not-connected  -      -       -       no        -  no      -  guest agent is not connected

PF      LINK     DRIVER  VFS  LEVERS                     MIN-MEANS  ERROR
ens1f0  uplink0  ice       8  devlink-leaf,devlink-node  absolute   -" \
	"status: the table"
expect_file "$log" '{"cmd":"status"}' "status: request as received"
[[ -s $tmp/err ]] && fail "status: wrote to stderr"

run status web-1
expect_rc 0 "status VM"
expect_file "$log" $'{"cmd":"status"}\n{"cmd":"status","vm":"web-1"}' "status VM: request as received"

run --json status
expect_rc 0 "--json status"
if python3 -c '
import json, sys
got = json.load(open(sys.argv[1]))
want = json.load(open(sys.argv[2]))["status"]
sys.exit(0 if got == want else "differs:\n%s\n%s" % (got, want))' "$tmp/out" "$status_reply"; then
	pass "--json: the status object, every field and value as the daemon sent it"
else
	fail "--json: not the daemon's status object"
fi
expect_grep "$tmp/out" '    "override_left_s": 90,' "--json: pretty-printed"

# DAQS_SOCKET is the default; --socket wins over it
rc=0
DAQS_SOCKET=$sock "$ctl" status >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "DAQS_SOCKET picks the socket"
rc=0
DAQS_SOCKET=$tmp/nowhere "$ctl" --socket "$sock" status >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "--socket overrides DAQS_SOCKET"

# ---- metrics and top ----
run metrics
expect_rc 0 "metrics"
expect_grep "$tmp/out" '# TYPE daqs_vm_tx_bytes_per_second gauge' "metrics: TYPE line"
expect_grep "$tmp/out" 'daqs_vm_tx_bytes_per_second{vm="web-1",class="guarantee",link="uplink0"} 1231250000' \
	"metrics: a VM sample"
expect_grep "$tmp/out" 'daqs_vm_agent_up{vm="old-3",class="best-effort",link="uplink0"} 0' "metrics: agent down"
if grep -q 'daqs_vm_guarantee_satisfaction_ratio{vm="batch-2"' "$tmp/out"; then
	fail "metrics: a NaN satisfaction was printed"
else
	pass "metrics: NaN satisfaction left out"
fi

# ---- capacity and admit (uplink0: 40gbit, admission 75 %: 30gbit admittable, 10gbit committed) ----
run capacity
expect_rc 0 "capacity"
expect_file "$tmp/out" "LINK               CAPACITY ADMISSION ADMITTABLE  COMMITTED       FREE GUARANTEES
uplink0              40gbit       75%     30gbit     10gbit     20gbit          1" "capacity: the table"
run --json capacity uplink0
expect_rc 0 "--json capacity uplink0"
expect_grep "$tmp/out" '"free_bps": 20000000000,' "--json capacity: free_bps"
run capacity nosuch
expect_rc 1 "capacity of a link daqsd does not have"
expect_file "$tmp/err" "daqsctl: capacity: no link 'nosuch' in daqsd's SLA" "capacity nosuch: said"
run admit --link uplink0 --min 20gbit
expect_rc 0 "admit 20gbit (exactly what is free)"
expect_file "$tmp/out" "yes: min 20gbit fits: 20gbit of 30gbit (75% of 40gbit) left for guarantees, 10gbit committed by 1" \
	"admit 20gbit: yes, with the figures"
run admit --link uplink0 --min 20.5gbit
expect_rc 3 "admit 20.5gbit: does not fit"
expect_grep "$tmp/out" "no: min 20.5gbit does not fit" "admit 20.5gbit: no"
run --json admit --link uplink0 --min 25gbit
expect_rc 3 "--json admit 25gbit"
expect_grep "$tmp/out" '"fits": false,' "--json admit: fits false"
run admit --link nosuch --min 1gbit
expect_rc 1 "admit on a link daqsd does not have"
expect_file "$tmp/out" "no: no link 'nosuch' in daqsd's SLA" "admit nosuch: said"
run admit --link uplink0
expect_rc 2 "admit without --min: usage"
run status --link uplink0
expect_rc 2 "--link is admit's alone"

: >"$log"
run top --count 3 --interval 0.05
expect_rc 0 "top --count 3"
n=$(grep -c '^cycle 1234 ' "$tmp/out" || true)
if [[ $n -eq 3 ]]; then pass "top: 3 tables"; else fail "top: $n tables, wanted 3"; fi
n=$(grep -c '"cmd":"status"' "$log" || true)
if [[ $n -eq 3 ]]; then pass "top: 3 requests"; else fail "top: $n requests, wanted 3"; fi
if grep -q $'\033' "$tmp/out"; then fail "top: escape codes on a pipe"; else pass "top: no escape codes on a pipe"; fi

# ---- mutating verbs ----
start_fake '{"ok":true}'
run override web-1 --class guarantee --min 10gbit --max unlimited --weight 3 --for 5min
expect_rc 0 "override"
run override batch-2 --max 300mbit
expect_rc 0 "override --max"
run override --clear web-1
expect_rc 0 "override --clear"
run reload
expect_rc 0 "reload"
run --json reload
expect_rc 0 "--json reload"
expect_file "$tmp/out" '{"ok":true}' "--json reload prints the reply"
expect_file "$log" '{"cmd":"override","vm":"web-1","class":"guarantee","min_bps":10000000000,"max_bps":"unlimited","weight":3,"for_s":300}
{"cmd":"override","vm":"batch-2","max_bps":300000000}
{"cmd":"clear","vm":"web-1"}
{"cmd":"reload"}
{"cmd":"reload"}' "mutating verbs: requests as received"

# ---- daemon errors ----
start_fake '{"ok":false,"code":"EPERM","error":"override is for root only (uid 1000)"}' \
	'{"ok":false,"code":"ENOENT","error":"no VM '"'"'nope'"'"'"}'
run override web-1 --weight 2
expect_rc 1 "daemon refuses override"
expect_file "$tmp/err" "daqsctl: daqsd refused 'override': override is for root only (uid 1000) (EPERM)" \
	"daemon error: text and code"
run status nope
expect_rc 1 "daemon refuses status"
expect_file "$tmp/err" "daqsctl: daqsd refused 'status': no VM 'nope' (ENOENT)" "status error: text and code"

start_fake 'this is not JSON'
run status
expect_rc 1 "garbage reply"
expect_grep "$tmp/err" "daqsctl: bad reply from daqsd: reply is not one JSON object on one line" "garbage reply: said so"

start_fake '{"ok":true,"status":{"cycle":1}}'
run status
expect_rc 1 "incomplete status"
expect_grep "$tmp/err" "daqsctl: bad status reply from daqsd: missing 'cycle_ms'" "incomplete status: said so"

start_fake '@close'
run reload
expect_rc 1 "connection closed without a reply"
expect_file "$tmp/err" "daqsctl: daqsd at '$sock' closed the connection without a reply" "closed: said so"

start_fake '@silent'
start=$(date +%s%N)
run --timeout 0.5 status
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_rc 1 "silent daemon"
expect_file "$tmp/err" "daqsctl: no reply from daqsd at '$sock' within 0.5 s (timed out)" "timeout: said so"
if [[ $elapsed_ms -ge 450 && $elapsed_ms -lt 3000 ]]; then
	pass "timeout: gave up after ${elapsed_ms} ms"
else
	fail "timeout: took ${elapsed_ms} ms for --timeout 0.5"
fi
stop_fake

# ---- unreachable ----
rc=0
DAQS_SOCKET=$tmp/missing.sock "$ctl" status >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 1 "missing socket"
expect_file "$tmp/err" "daqsctl: cannot connect to daqsd at '$tmp/missing.sock' (No such file or directory): is daqsd running?" \
	"missing socket: message"
rc=0
env -u DAQS_SOCKET "$ctl" --timeout 1 status >"$tmp/out" 2>"$tmp/err" || rc=$?
if [[ -S /run/daqs/daqsd.sock ]]; then
	pass "default socket: skipped, a daqsd is running here"
else
	expect_file "$tmp/err" "daqsctl: cannot connect to daqsd at '/run/daqs/daqsd.sock' (No such file or directory): is daqsd running?" \
		"default socket: /run/daqs/daqsd.sock"
fi

if [[ $(id -u) -eq 0 ]]; then
	start_fake "$(cat "$status_reply")"
	chmod 0600 "$sock"
	rc=0
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$ctl" --socket "$sock" status \
		>"$tmp/out" 2>"$tmp/err" || rc=$?
	expect_rc 1 "socket 0600 root, as nobody"
	expect_file "$tmp/err" "daqsctl: cannot connect to daqsd at '$sock' (Permission denied): run daqsctl as root or as a member of the socket's group" \
		"EACCES: says who may connect"
	[[ -s $log ]] && fail "EACCES: the daemon got a request"
	stop_fake
else
	echo "skip EACCES check: needs root to own a socket nobody may open (running as uid $(id -u))"
fi

# ---- usage: exit 2, nothing sent ----
start_fake '{"ok":true}'
usage_case() { # DESCRIPTION ARGS...
	local what=$1
	shift
	run "$@"
	expect_rc 2 "usage: $what"
	[[ -s $tmp/err ]] || fail "usage: $what: nothing on stderr"
}
usage_case "no command"
usage_case "unknown command" frobnicate
usage_case "unknown option" --frobnicate status
usage_case "status with two VMs" status a b
usage_case "reload with an argument" reload now
usage_case "override without VM" override --min 1gbit
usage_case "override with nothing to change" override web-1
usage_case "override with two VMs" override a b --weight 1
usage_case "ambiguous unit mbps" override web-1 --min 100mbps
usage_case "rate without unit" override web-1 --max 100
usage_case "weight 0" override web-1 --weight 0
usage_case "weight 1001" override web-1 --weight 1001
usage_case "weight not a number" override web-1 --weight two
usage_case "class unknown" override web-1 --class gold
usage_case "for not whole seconds" override web-1 --weight 2 --for 1500ms
usage_case "best-effort with min" override web-1 --class best-effort --min 1gbit
usage_case "max below min" override web-1 --min 2gbit --max 1gbit
usage_case "--clear with a change" override --clear web-1 --weight 2
usage_case "--count on status" status --count 2
usage_case "--min on reload" reload --min 1gbit
usage_case "--json on metrics" --json metrics
usage_case "bad --timeout" --timeout soon status
usage_case "--timeout 0" --timeout 0 status
usage_case "bad --count" top --count -1
usage_case "check without FILE" check
usage_case "VM name too long" override "$(printf 'v%.0s' $(seq 256))" --weight 1
expect_grep "$tmp/err" "VM name longer than 255 bytes" "usage: long name: said so"
usage_case "status: VM name too long" status "$(printf 'v%.0s' $(seq 256))"
usage_case "status: control character in VM name" status $'web\n1'
expect_grep "$tmp/err" "daqsctl: status: 'vm' must be 1..255 bytes without control characters" \
	"usage: control character: said so"
run override web-1 --min 100mbps
expect_grep "$tmp/err" "mbps" "usage: mbps: the units parser's reason"
if [[ -s $log ]]; then fail "usage errors sent requests: $(cat "$log")"; else pass "usage errors sent nothing"; fi
stop_fake

rc=0
"$ctl" --help >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "--help"
expect_grep "$tmp/out" "override VM [--class guarantee|best-effort]" "--help: lists override"
rc=0
"$ctl" --version >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "--version"
if grep -Eq '^daqsctl [0-9]+\.[0-9]+' "$tmp/out"; then
	pass "--version: $(cat "$tmp/out")"
else
	fail "--version printed '$(cat "$tmp/out")'"
fi

# ---- check: local, like daqsd --check-config ----
run check "$src/sla/example.yaml"
expect_rc 0 "check example.yaml"
expect_file "$tmp/out" "$src/sla/example.yaml: ok" "check: ok line"
bad=$src/tests/data/sla-bad/bad-weight.yaml
run check "$bad"
expect_rc 1 "check bad-weight.yaml"
n=0
while IFS= read -r line; do
	n=$((n + 1))
	expect_grep "$tmp/err" "$bad:${line#"# expect: "}" "check: diagnostic $n"
done < <(grep '^# expect: ' "$bad")
[[ $n -gt 0 ]] || fail "check: $bad has no '# expect:' lines"
[[ -s $tmp/out ]] && fail "check bad: wrote to stdout"
run check "$tmp/does-not-exist.yaml"
expect_rc 1 "check missing file"
expect_grep "$tmp/err" "does-not-exist.yaml: error: cannot open the file" "check missing file: message"

echo "$passed passed, $failed failed"
if [[ $failed -ne 0 ]]; then
	echo "daqsctl: $failed of $((passed + failed)) checks FAILED" >&2
	exit 1
fi
