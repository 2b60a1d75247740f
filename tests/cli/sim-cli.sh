#!/usr/bin/env bash
# daqs-sim command line: argument handling, output formats, exit codes.
# usage: sim-cli.sh PATH/TO/daqs-sim   (DAQS_SRCDIR = source tree)
set -euo pipefail
sim=$1
src=${DAQS_SRCDIR:-.}
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$src/scripts/lib/report.sh"
scn=$src/tests/scenarios
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_rc() { # expect_rc RC DESCRIPTION CMD...
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [[ $rc -eq $want ]]; then pass "$what (exit $rc)"; else fail "$what: exit $rc, want $want"; cat "$tmp/err"; fi
}

expect_rc 0 "human output" "$sim" "$scn/paper-a-10g.yaml"
check "human output shows the metrics" grep -q 'guarantee_satisfaction 1.000' "$tmp/out"

expect_rc 0 "json output" "$sim" "$scn/paper-a-10g.yaml" --json --policy static
# the JSON must parse and carry the agreed keys (python3 only reads it; the project writes it with json-c)
json_keys() {
	python3 - "$tmp/out" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
for k in ("guarantee_satisfaction", "utilisation", "reaction_s", "allocation_error", "vms", "policy"):
    assert k in o, k
assert o["policy"] == "static"
assert abs(o["utilisation"] - 1.0) < 1e-3, o["utilisation"]
assert [v["name"] for v in o["vms"]] == ["guarantee", "best-effort"]
PY
}
check "json has the agreed keys" json_keys

expect_rc 0 "csv output" "$sim" "$scn/steps.yaml" --csv "$tmp/trace.csv"
lines=$(wc -l <"$tmp/trace.csv")
# 90 s at 200 ms = 450 periods x 4 VMs + header
check "csv has one row per VM per period ($lines lines)" test "$lines" -eq 1801
check "csv header" grep -qx 't_s,vm,class,active,rate_bps,limit_bps' <(head -1 "$tmp/trace.csv")

expect_rc 0 "comparison table" "$sim" --table "$scn/paper-a-10g.yaml" "$scn/paper-a-30g.yaml"
check "table has 5 policies x 2 scenarios" test "$(grep -c '^| paper-a' "$tmp/out")" -eq 10

expect_rc 2 "unknown policy" "$sim" "$scn/paper-a-10g.yaml" --policy fair
check "unknown policy named" grep -q "unknown policy 'fair'" "$tmp/err"
expect_rc 2 "no scenario" "$sim"
expect_rc 1 "missing file" "$sim" "$tmp/nope.yaml"

printf 'capacity: 10mbps\nduration: 10s\nsla: {version: 1, links: [{name: l, capacity: 1gbit}]}\nvms: [{name: a, active: [[0, 1]]}]\nbogus: 1\n' >"$tmp/bad.yaml"
expect_rc 1 "bad scenario" "$sim" "$tmp/bad.yaml"
check "bad unit reported with line:col" grep -q "bad.yaml:1:11: error: .*mbps" "$tmp/err"
check "unknown key reported too" grep -q "bad.yaml:5:1: error: .*bogus" "$tmp/err"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
