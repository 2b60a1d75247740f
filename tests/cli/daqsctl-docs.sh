#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# daqsctl's commands and options cannot drift from what documents them: every
# command of its dispatch table (daemon/daqsctl.c, commands[]) and every long
# option of its getopt table (lo[]) must appear in `daqsctl --help`, in the
# rendered daqsctl(8) and in what the bash completion really offers (run
# through bash-completion's own _init_completion); every command named by
# one of those must be in the table; the man page must render without groff
# warnings. The table is read from the source, and the binary confirms it:
# each name is a command to daqsctl, and a name not in it is not.
#   usage: daqsctl-docs.sh PATH/TO/daqsctl      (needs $DAQS_SRCDIR)
set -euo pipefail

ctl=${1:?usage: daqsctl-docs.sh PATH/TO/daqsctl}
src=${DAQS_SRCDIR:?DAQS_SRCDIR must point at the source tree}
source_c=$src/daemon/daqsctl.c
man8=$src/man/daqsctl.8
comp=$src/daemon/daqsctl.bash-completion
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$src/scripts/lib/report.sh"
bc=/usr/share/bash-completion/bash_completion
[[ -r $bc ]] || skip "bash-completion not installed (scripts/install-deps)"
command -v man >/dev/null || skip "man (man-db) not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C DAQS_SOCKET=$tmp/no-daemon.sock # the completion's VM lookup finds no daemon

has() { grep -qxF -- "$2" "$1"; } # FILE WORD: WORD is a line of FILE
expect() { # OK-TEXT FAIL-TEXT CMD...: pass or fail on CMD's status
	local ok=$1 bad=$2
	shift 2
	if "$@"; then pass "$ok"; else fail "$bad"; fi
}

# ---- the tables, from the source ----
# commands[]: `{ "status", cmd_status, ...`, one entry per line start
awk '/^static const struct command commands\[\] = \{/ { f = 1; next }
	f && /^\};/ { exit }
	f' "$source_c" >"$tmp/table.c"
grep -oE '^[[:space:]]*\{ "[a-z-]+", cmd_' "$tmp/table.c" | sed -E 's/.*"([a-z-]+)".*/\1/' >"$tmp/commands"
handlers=$(grep -oE '\bcmd_[a-z_]+,' "$tmp/table.c" | wc -l)
ncmd=$(wc -l <"$tmp/commands")
if ((ncmd > 0 && ncmd == handlers)); then
	pass "dispatch table read: $ncmd commands ($(tr '\n' ' ' <"$tmp/commands"))"
else
	fail "dispatch table: $ncmd names for $handlers handlers (did its layout change?)"
fi
# lo[]: `{ "socket", required_argument, NULL, 's' },`
awk '/static const struct option lo\[\] = \{/ { f = 1; next } f && /\};/ { exit } f' "$source_c" |
	grep -oE '\{ "[a-z-]+",' | sed -E 's/.*"([a-z-]+)".*/--\1/' >"$tmp/options"
nopt=$(wc -l <"$tmp/options")
expect "getopt table read: $nopt long options" "getopt table: no long option found" test "$nopt" -gt 0

# the binary agrees: each name is a command (whatever else goes wrong), a stranger is not
for c in $(cat "$tmp/commands") frobnicate; do
	"$ctl" --timeout 0.2 "$c" x y z >/dev/null 2>"$tmp/err" || true
	if [[ $c == frobnicate ]]; then
		expect "daqsctl refuses a command not in the table" \
			"daqsctl did not refuse 'frobnicate': $(head -1 "$tmp/err")" \
			grep -q "unknown command 'frobnicate'" "$tmp/err"
	elif grep -q "unknown command" "$tmp/err"; then
		fail "the table's '$c' is not a command to daqsctl"
	fi
done

# ---- what documents them ----
"$ctl" --help >"$tmp/help"
sed -n '/^commands:/,/^$/p' "$tmp/help" | grep -E '^  [a-z]' | awk '{ print $1 }' | sort -u >"$tmp/help.cmds"
man_txt=$tmp/man.txt
MANWIDTH=200 man -l "$man8" 2>/dev/null | col -b >"$man_txt"
sed -n '/^COMMANDS/,/^OPTIONS/p' "$man_txt" | grep -E '^ {7}[a-z]' | awk '{ print $1 }' | sort -u >"$tmp/man.cmds"
warn=$(MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$man8" 2>&1 >/dev/null || true)
expect "daqsctl(8) renders without groff warnings" "daqsctl(8) warnings: ${warn:0:200}" test -z "$warn"

# COMP_WORDS...: what the completion offers for the last word, one a line
# shellcheck disable=SC2016 # $@ and $COMP* are expanded by the inner bash
complete_words() {
	bash -c '. "$1"; . "$2"; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
		COMPREPLY=(); _daqsctl daqsctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' complete "$bc" "$comp" "$@"
}
complete_words daqsctl "" | sort -u >"$tmp/comp.cmds"
{
	complete_words daqsctl --
	while read -r c; do complete_words daqsctl "$c" --; done <"$tmp/commands"
} | sort -u >"$tmp/comp.opts"
expect "the completion runs: $(wc -l <"$tmp/comp.cmds") commands offered" \
	"the completion offers nothing after 'daqsctl '" test -s "$tmp/comp.cmds"

while read -r c; do
	expect "'$c' in --help" "'$c' missing from daqsctl --help" has "$tmp/help.cmds" "$c"
	expect "'$c' in daqsctl(8) COMMANDS" "'$c' missing from daqsctl(8) COMMANDS" has "$tmp/man.cmds" "$c"
	expect "'$c' offered by the completion" "'$c' not offered by the bash completion" has "$tmp/comp.cmds" "$c"
done <"$tmp/commands"
for doc in help man comp; do
	while read -r c; do
		has "$tmp/commands" "$c" || fail "$doc names '$c', which is not in daqsctl's dispatch table"
	done <"$tmp/$doc.cmds"
done

while read -r o; do
	expect "$o in --help" "$o missing from daqsctl --help" grep -qE -- "$o\b" "$tmp/help"
	expect "$o in daqsctl(8)" "$o missing from daqsctl(8)" grep -qE -- "$o\b" "$man_txt"
	expect "$o offered by the completion" "$o never offered by the bash completion" has "$tmp/comp.opts" "$o"
done <"$tmp/options"

echo "$passed passed, $failed failed"
((failed == 0))
