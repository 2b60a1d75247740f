#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# daqsd --check-config end to end: every example is valid, every bad corpus
# file fails with exactly its "# expect:" diagnostics on stderr, and usage
# errors exit 2.
#   usage: check-config.sh PATH/TO/daqsd      (needs $DAQS_SRCDIR)
set -euo pipefail

daqsd=${1:?usage: check-config.sh PATH/TO/daqsd}
src=${DAQS_SRCDIR:?DAQS_SRCDIR must point at the source tree}
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$src/scripts/lib/report.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run ARGS...: sets rc, and leaves stdout/stderr in $tmp/out and $tmp/err
run() {
	rc=0
	"$daqsd" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

expect_rc() { # WANT DESCRIPTION
	if [[ $rc -eq $1 ]]; then
		pass "$2 (exit $rc)"
	else
		fail "$2: exit $rc, wanted $1"
		sed 's/^/     | /' "$tmp/out" "$tmp/err" >&2
	fi
}

# Every example parses cleanly.
shopt -s nullglob
examples=("$src"/sla/*.yaml)
if [[ ${#examples[@]} -lt 4 ]]; then
	fail "only ${#examples[@]} files in $src/sla (want >= 4)"
fi
for f in "${examples[@]}"; do
	run --check-config "$f"
	expect_rc 0 "valid: ${f#"$src"/}"
	if [[ -s $tmp/err || "$(cat "$tmp/out")" != "$f: ok" ]]; then
		fail "valid: ${f#"$src"/}: unexpected output"
		sed 's/^/     | /' "$tmp/out" "$tmp/err" >&2
	fi
done

# Bad files: exit 1 and exactly the expected FILE:LINE:COL: error: lines.
bad=("$src"/tests/data/sla-bad/*.yaml)
if [[ ${#bad[@]} -lt 30 ]]; then
	fail "only ${#bad[@]} files in $src/tests/data/sla-bad (want >= 30)"
fi
for f in "${bad[@]}"; do
	name=${f#"$src"/}
	run --check-config "$f"
	expect_rc 1 "invalid: $name"
	n=0
	while IFS= read -r line; do
		want="$f:${line#"# expect: "}"
		n=$((n + 1))
		if ! grep -qF -- "$want" "$tmp/err"; then
			fail "invalid: $name: stderr lacks '$want'"
			sed 's/^/     | /' "$tmp/err" >&2
		fi
	done < <(grep '^# expect: ' "$f")
	got=$(grep -c ': error: ' "$tmp/err" || true)
	if [[ $n -eq 0 || $got -ne $n ]]; then
		fail "invalid: $name: $got diagnostics on stderr, $n expected"
	else
		pass "invalid: $name: all $n diagnostics"
	fi
	if [[ -s $tmp/out ]]; then
		fail "invalid: $name: wrote to stdout"
	fi
done

run --check-config "$src/does-not-exist.yaml"
expect_rc 1 "missing file"
grep -q "does-not-exist.yaml: error: cannot open the file" "$tmp/err" ||
	fail "missing file: no 'cannot open' message"

# Usage.
# Starting the daemon on a missing or bad SLA file fails at once (nothing is
# started), and says which file and why.
run --foreground --config "$tmp/missing.yaml" --connect none --socket "$tmp/s" --state-dir "$tmp/st"
expect_rc 1 "start with a missing SLA file"
grep -q "missing.yaml.*cannot open" "$tmp/err" || fail "start with a missing SLA file: the file is not named"
[[ ! -e $tmp/s ]] || fail "start with a missing SLA file: a control socket was created"
run --foreground --config "$DAQS_SRCDIR/tests/data/sla-bad/agent-socket.yaml" --connect none \
	--socket "$tmp/s" --state-dir "$tmp/st"
expect_rc 1 "start with an invalid SLA file"
grep -q "agent-socket.yaml:10:43: error:" "$tmp/err" || fail "start with an invalid SLA file: no file:line:col"
run --policy nosuch
expect_rc 2 "unknown policy"
run --on-exit maybe
expect_rc 2 "--on-exit with a bad value"
run --workers 0
expect_rc 2 "--workers 0"
run --frobnicate
expect_rc 2 "unknown option"
run --check-config
expect_rc 2 "--check-config without FILE"
run --check-config "${examples[0]}" extra
expect_rc 2 "extra argument"
run --check-config "${examples[0]}" --check-config "${examples[0]}"
expect_rc 2 "--check-config twice"
run --help
expect_rc 0 "--help"
grep -q -- "--check-config FILE" "$tmp/out" || fail "--help: no --check-config in the text"
run --version
expect_rc 0 "--version"
grep -Eq '^daqsd [0-9]' "$tmp/out" || fail "--version: printed '$(cat "$tmp/out")'"

# The closing line scripts/test sums up: "N passed, N failed".
echo "$passed passed, $failed failed"
if [[ $failed -ne 0 ]]; then
	echo "check-config: $failed of $((passed + failed)) checks FAILED" >&2
	exit 1
fi
