#!/usr/bin/env bash
# Run one libFuzzer harness for a while on a copy of its seeds: the meson
# suite 'fuzz' (60 s each) and scripts/fuzz (long runs) both use it.
#
# Usage: tests/fuzz/run.sh [--seconds N] [--dir DIR] TARGET HARNESS
#   TARGET   sla | qga | ctl: picks the seeds (seed_files below) and TARGET.dict
#   HARNESS  the built harness (build-fuzz/tests/fuzz/fuzz_TARGET)
#   --dir    a persistent work dir: DIR/corpus keeps what the fuzzer finds
#            interesting across runs, findings (crash-*, leak-*, timeout-*,
#            oom-*) stay in DIR/ until removed, the log is DIR/fuzz.log;
#            default: a temporary dir, removed unless something was found
# Prints the run's figures, a line "result: target=... findings=F" for
# scripts/fuzz, and "1 passed, 0 failed" or "0 passed, 1 failed" (scripts/test
# sums those). Exit 0 when clean, 1 on a finding or when the fuzzer did not
# run to its end.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
seconds=60 dir="" temp=""

usage() {
	sed -n '5,16s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

while (($#)); do
	case $1 in
	--seconds) seconds=${2:?}; shift 2 ;;
	--dir) dir=${2:?}; shift 2 ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
done
(($# == 2)) || usage
target=$1 harness=$2
case $target in sla | qga | ctl) ;; *) echo "run.sh: unknown target '$target' (sla, qga, ctl)" >&2; exit 2 ;; esac
[[ $seconds =~ ^[1-9][0-9]*$ ]] || usage
[[ -x $harness ]] || { echo "run.sh: no harness '$harness'" >&2; exit 1; }

# The seeds: real data the unit tests already use, tests/fuzz/corpus/TARGET/
# (hand-written lines and the inputs of past findings), and seed-TARGET-* next
# to the harness (written at build time by the current formatters: ctl_seeds.c).
seed_files() {
	local t=$1 f
	case $t in
	sla) set -- "$src"/sla/*.yaml "$src"/tests/data/sla-bad/*.yaml ;;
	qga) set -- "$src"/tests/data/qga/*.json "$src"/tests/data/guest/*.json ;;
	ctl) set -- "$src"/tests/data/ctl/* ;;
	*) echo "run.sh: unknown target '$t' (sla, qga, ctl)" >&2; return 1 ;;
	esac
	for f in "$@" "$src/tests/fuzz/corpus/$t"/* "$(dirname "$harness")/seed-$t-"*; do
		[[ -f $f && $(basename "$f") != README ]] && printf '%s\n' "$f"
	done
	return 0
}

if [[ -z $dir ]]; then
	temp=$(mktemp -d "${TMPDIR:-/tmp}/daqs-fuzz-$target.XXXXXX")
	dir=$temp
fi
mkdir -p "$dir/corpus"
dir=$(cd "$dir" && pwd)
n_seeds=0
while read -r f; do
	# named after their origin; an existing copy (persistent dir) is kept
	name=$(basename "$(dirname "$f")")_$(basename "$f") # fuzz_seed-ctl-status for the built ones
	[[ -e $dir/corpus/$name ]] || cp "$f" "$dir/corpus/$name"
	n_seeds=$((n_seeds + 1))
done < <(seed_files "$target")
((n_seeds > 0)) || { echo "run.sh: no seeds for $target" >&2; exit 1; }

opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
	-artifact_prefix="$dir/")
[[ -f $src/tests/fuzz/$target.dict ]] && opts+=(-dict="$src/tests/fuzz/$target.dict")

echo "fuzz $target: $seconds s, $n_seeds seeds, corpus $dir/corpus"
start=${EPOCHREALTIME/./}
rc=0
"$harness" "${opts[@]}" "$dir/corpus" >"$dir/fuzz.log" 2>&1 || rc=$?
elapsed=$(((${EPOCHREALTIME/./} - start + 500000) / 1000000)) # whole seconds

final_stat() { sed -nE "s/^stat::$1: *([0-9]+)$/\1/p" "$dir/fuzz.log" | tail -n 1; }
execs=$(final_stat number_of_executed_units)
rate=$(final_stat average_exec_per_sec)
corpus=$(find "$dir/corpus" -type f | wc -l)
findings=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
	-o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)

grep -m 1 'INITED' "$dir/fuzz.log" || true
grep -E '^#[0-9]+' "$dir/fuzz.log" | tail -n 1 || true
grep '^stat::' "$dir/fuzz.log" || true
printf 'fuzz %s: %s executions in %s s (%s exec/s), corpus %s files, %s findings, exit %s\n' \
	"$target" "${execs:-?}" "$elapsed" "${rate:-?}" "$corpus" "$findings" "$rc"
printf 'result: target=%s seconds=%s executions=%s exec_per_s=%s corpus=%s findings=%s rc=%s\n' \
	"$target" "$elapsed" "${execs:-0}" "${rate:-0}" "$corpus" "$findings" "$rc"

if [[ $rc -ne 0 || $findings -ne 0 || -z $execs || $execs -eq 0 ]]; then
	echo "fuzz $target: FAILED; the end of $dir/fuzz.log:"
	tail -n 60 "$dir/fuzz.log"
	find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
		-o -name 'oom-*' \) -printf 'finding: %p\n'
	echo "0 passed, 1 failed"
	exit 1
fi
[[ -n $temp ]] && rm -rf "$temp"
echo "1 passed, 0 failed"
