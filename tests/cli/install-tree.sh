#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `meson install --destdir` puts exactly the documented files where the
# README ("Install and operate") says, for this build's prefix and
# directories: daqsd, daqsctl, daqs-sim, daqsd.service, the sysusers.d file
# for group daqs, the five man pages, the bash completion and the example
# SLA. Then each is used as installed: the binaries run, the unit passes
# `systemd-analyze verify` with no word of complaint (in a root made of the
# installed tree and the host's systemd targets), its ExecStart= is the
# installed daqsd and its Documentation= pages are found by man in the
# installed manpath, systemd-sysusers creates group daqs from the sysusers.d
# file, bash-completion's loader finds and loads the completion, the man
# pages render without warnings, and the example SLA passes --check-config.
# No root needed; nothing is written outside a mktemp directory.
#   usage: install-tree.sh MESON BUILD_DIR      (needs $DAQS_SRCDIR)
set -euo pipefail

meson=${1:?usage: install-tree.sh MESON BUILD_DIR}
build=${2:?usage: install-tree.sh MESON BUILD_DIR}
src=${DAQS_SRCDIR:?DAQS_SRCDIR must point at the source tree}
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/report.sh
. "$src/scripts/lib/report.sh"
for t in systemd-analyze systemd-sysusers man col python3; do
	command -v "$t" >/dev/null || skip "$t not installed (scripts/install-deps)"
done
bc=/usr/share/bash-completion/bash_completion
[[ -r $bc ]] || skip "bash-completion not installed (scripts/install-deps)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C
dest=$tmp/dest

expect() { # OK-TEXT FAIL-TEXT CMD...
	local ok=$1 bad=$2
	shift 2
	if "$@"; then pass "$ok"; else fail "$bad"; fi
}

# ---- the documented layout, for this build's options ----
"$meson" introspect --buildoptions "$build" >"$tmp/options.json"
opt() { python3 -c 'import json, sys
o = {x["name"]: x["value"] for x in json.load(open(sys.argv[1]))}
print(o[sys.argv[2]])' "$tmp/options.json" "$1"; }
prefix=$(opt prefix)
abs() { [[ $1 == /* ]] && echo "$1" || echo "$prefix/$1"; } # meson's rule for directory options
sbindir=$(abs "$(opt sbindir)")
bindir=$(abs "$(opt bindir)")
datadir=$(abs "$(opt datadir)")
mandir=$(abs "$(opt mandir)")
unitdir=$(opt systemdunitdir)
unitdir=${unitdir:-$prefix/lib/systemd/system}
sysusersdir=$(opt sysusersdir)
sysusersdir=${sysusersdir:-$prefix/lib/sysusers.d}
unit=$unitdir/daqsd.service
compl=$datadir/bash-completion/completions/daqsctl
example=$datadir/doc/daqs/examples/example.yaml
documented=("$sbindir/daqsd" "$bindir/daqsctl" "$bindir/daqs-sim" "$unit" "$sysusersdir/daqs.conf"
	"$mandir/man1/daqs-sim.1" "$mandir/man5/daqs-sla.5" "$mandir/man8/daqsd.8" "$mandir/man8/daqsctl.8"
	"$mandir/man7/daqs-security.7"
	"$compl" "$example")

# ---- install ----
if ! "$meson" install -C "$build" --destdir "$dest" --no-rebuild --quiet >"$tmp/install.out" 2>&1; then
	fail "meson install --destdir failed: $(tail -3 "$tmp/install.out")"
	echo "$passed passed, $failed failed"
	exit 1
fi
pass "meson install --destdir $dest (prefix $prefix)"
(cd "$dest" && find . -type f -o -type l | sed 's/^\.//' | sort) >"$tmp/installed"
printf '%s\n' "${documented[@]}" | sort >"$tmp/documented"
expect "exactly the ${#documented[@]} documented files installed" \
	"installed and documented differ (< only installed, > only documented): $(diff "$tmp/installed" "$tmp/documented" | grep '^[<>]' | tr '\n' ' ')" \
	cmp -s "$tmp/installed" "$tmp/documented"

# ---- the binaries run as installed ----
version=$(sed -n "s/^  version: '\(.*\)',$/\1/p" "$src/meson.build")
for b in "$sbindir/daqsd" "$bindir/daqsctl" "$bindir/daqs-sim"; do
	out=$("$dest$b" --version 2>&1 || true)
	expect "$b --version: $out" "$b --version gave '$out' (want ${b##*/} $version)" \
		test "$out" == "${b##*/} $version"
done
expect "the example SLA installed unchanged" "$example differs from sla/example.yaml" \
	cmp -s "$dest$example" "$src/sla/example.yaml"
expect "the installed daqsd accepts the installed example SLA" "daqsd --check-config refused $example" \
	"$dest$sbindir/daqsd" --check-config "$dest$example"

# ---- the unit ----
u=$dest$unit
grep -E '^Exec(Start|StartPre|Reload)=' "$u" | sed 's/^[^=]*=//' | awk '{ print $1 }' | sort -u >"$tmp/execs"
expect "ExecStart=/ExecReload= name the installed daqsd ($sbindir/daqsd) and /bin/kill" \
	"the unit runs $(tr '\n' ' ' <"$tmp/execs")" \
	test "$(tr '\n' ' ' <"$tmp/execs")" == "/bin/kill $sbindir/daqsd "
vroot=$tmp/vroot # the installed tree, plus what verify needs of the host
cp -a "$dest/." "$vroot"
mkdir -p "$vroot/usr/lib/systemd/system" "$vroot/usr/bin" "$vroot/etc"
cp -n /usr/lib/systemd/system/*.target "$vroot/usr/lib/systemd/system/"
[[ -e $vroot/usr/bin/kill ]] || cp /usr/bin/kill "$vroot/usr/bin/kill"
[[ -e $vroot/bin ]] || ln -s usr/bin "$vroot/bin"
rc=0
systemd-analyze verify --man=no --root="$vroot" "$unit" >"$tmp/verify.out" 2>&1 || rc=$?
expect "systemd-analyze verify: exit 0, nothing to say" \
	"systemd-analyze verify exit $rc: $(head -5 "$tmp/verify.out" | tr '\n' ' ')" \
	test "$rc" -eq 0 -a ! -s "$tmp/verify.out"
man_finds() { MANPATH=$dest$mandir man -w "$1" "$2" >/dev/null 2>&1; } # SECTION NAME
read -ra docs < <(sed -n 's/^Documentation=//p' "$u")
for m in "${docs[@]}"; do
	page=${m#man:}
	name=${page%(*} sec=${page#*(}
	sec=${sec%)}
	expect "Documentation=$m found in the installed manpath" "Documentation=$m: no such page under $mandir" \
		man_finds "$sec" "$name"
done
expect "the unit starts daqsd with --socket-group daqs" "the unit's ExecStart= lacks --socket-group daqs" \
	grep -qE '^ExecStart=.* --socket-group daqs( |$)' "$u"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$u")
expect "CapabilityBoundingSet=$caps" "CapabilityBoundingSet='$caps' (want CAP_NET_ADMIN CAP_CHOWN)" \
	test "$(tr ' ' '\n' <<<"$caps" | sort | tr '\n' ' ')" == "CAP_CHOWN CAP_NET_ADMIN "

# ---- group daqs from the sysusers.d file ----
rc=0
systemd-sysusers --root="$vroot" >"$tmp/sysusers.out" 2>&1 || rc=$?
expect "systemd-sysusers creates group daqs from $sysusersdir/daqs.conf" \
	"systemd-sysusers exit $rc ($(head -2 "$tmp/sysusers.out" | tr '\n' ' ')); /etc/group: $(grep -c '^daqs:' "$vroot/etc/group" 2>/dev/null) daqs line(s)" \
	grep -q '^daqs:x:[0-9]*:$' "$vroot/etc/group"

# ---- the completion, found by bash-completion's loader ----
# shellcheck disable=SC2016 # expanded by the inner bash
loaded=$(XDG_DATA_DIRS=$dest$datadir bash -c '. "$1"; __load_completion daqsctl && complete -p daqsctl' \
	load "$bc" 2>&1 || true)
expect "bash-completion loads daqsctl's completion from $datadir: $loaded" \
	"bash-completion did not load it: '$loaded'" grep -q -- '-F _daqsctl daqsctl$' <<<"$loaded"

# ---- the man pages render ----
for p in man1/daqs-sim.1 man5/daqs-sla.5 man8/daqsd.8 man8/daqsctl.8 man7/daqs-security.7; do
	w=$(MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$dest$mandir/$p" 2>&1 >/dev/null || true)
	expect "$p renders without warnings" "$p: ${w:0:200}" test -z "$w"
done

echo "$passed passed, $failed failed"
((failed == 0))
