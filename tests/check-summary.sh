#!/bin/sh
# SPDX-License-Identifier: MIT
# The end of `make check`: add up what each suite recorded and judge the skips.
#
#   tests/check-summary.sh RESULTS_DIR SUITE...
#
# Each runner (tests/run-unit.sh, tests/cli/run.sh, tests/lint/sync.sh,
# tests/fuzz/replay.sh) writes RESULTS_DIR/SUITE.counts, its last line
# "[SUITE: ]N passed, N failed, N skipped", and RESULTS_DIR/SUITE.skips, one
# "ID<TAB>REASON" line per skipped test (IDs: unit:<binary>:<test>,
# cli:<file>, lint:<check>).  A suite that recorded nothing counts as one
# failure.
#
# A skip is allowed when its ID matches a pattern (sh glob) of
# tests/skips.allow.  On a machine where `make deps` ran, any skip that is
# not allowed makes the check fail: that is decided by
#   XENPT_STRICT_SKIPS=1 (always strict) or 0 (never), or, when unset, by
#   dpkg-query: strict when every package of $DEB_PKGS (the Makefile's list
#   for `make deps`, passed in by `make check`) is installed.
# Prints the skips (allowed and not), then "check: N passed, N failed, N
# skipped" as the last line; exits 1 on a failure or a skip not allowed in
# strict mode.
set -u
export LC_ALL=C
dir=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
allow=$top/tests/skips.allow

pass=0 fail=0 skip=0 bad=
: >"$dir/.all-skips" 2>/dev/null || { mkdir -p "$dir" && : >"$dir/.all-skips"; }
for s in "$@"; do
	line=$(tail -n 1 "$dir/$s.counts" 2>/dev/null)
	set -- $(printf '%s\n' "$line" | sed -n 's/^\([a-z-]*: \)\{0,1\}\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\2 \3 \4/p')
	if [ $# -ne 3 ]; then
		echo "# $s: recorded no totals in $dir/$s.counts (did its runner die?)"
		fail=$((fail + 1))
		bad="$bad $s"
		continue
	fi
	pass=$((pass + $1)) fail=$((fail + $2)) skip=$((skip + $3))
	[ "$2" -gt 0 ] && bad="$bad $s"
	[ -f "$dir/$s.skips" ] && cat "$dir/$s.skips" >>"$dir/.all-skips"
	listed=$(grep -c . "$dir/$s.skips" 2>/dev/null || true)
	if [ "${listed:-0}" -ne "$3" ]; then
		echo "# $s: $3 skipped, but $dir/$s.skips names ${listed:-0} (every skip needs an identifier)"
		fail=$((fail + 1))
	fi
done

# the allow-list: "PATTERN REASON", # comments; a pattern without a reason is an error
patterns=
if [ -f "$allow" ]; then
	while read -r pat reason; do
		case $pat in '' | '#'*) continue ;; esac
		if [ -z "$reason" ]; then
			echo "# tests/skips.allow: '$pat' has no reason"
			fail=$((fail + 1))
			continue
		fi
		patterns="$patterns $pat"
	done <"$allow"
fi

allowed() {
	for p in $patterns; do
		# shellcheck disable=SC2254
		case $1 in $p) return 0 ;; esac
	done
	return 1
}

strict=${XENPT_STRICT_SKIPS:-}
how=
if [ -z "$strict" ]; then
	if [ -n "${DEB_PKGS:-}" ] && command -v dpkg-query >/dev/null 2>&1; then
		missing=$(for p in $DEB_PKGS; do
			[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || printf ' %s' "$p"
		done)
		if [ -z "$missing" ]; then
			strict=1 how="every package of 'make deps' is installed"
		else
			strict=0 how="not every package of 'make deps' is installed (missing:$missing)"
		fi
	else
		strict=0 how="no DEB_PKGS or no dpkg-query: cannot tell whether 'make deps' ran"
	fi
else
	how="XENPT_STRICT_SKIPS=$strict"
fi

not_allowed=0
if [ -s "$dir/.all-skips" ]; then
	set -f
	while IFS='	' read -r id reason; do
		if allowed "$id"; then
			echo "# skipped (allowed by tests/skips.allow): $id: $reason"
		else
			echo "# skipped, NOT ALLOWED: $id: $reason"
			not_allowed=$((not_allowed + 1))
		fi
	done <"$dir/.all-skips"
	set +f
fi
if [ "$strict" = 1 ]; then
	echo "# skips: strict ($how): only those of tests/skips.allow may skip"
else
	echo "# skips: not strict ($how)"
fi
st=0
[ "$fail" -gt 0 ] && { echo "# FAILED:$bad"; st=1; }
if [ "$not_allowed" -gt 0 ]; then
	if [ "$strict" = 1 ]; then
		echo "# $not_allowed skips not allowed by tests/skips.allow, and $how: make deps should have made them run (fix them, or allow them there with a reason)"
		st=1
	else
		echo "# $not_allowed skips not allowed by tests/skips.allow (not an error: $how)"
	fi
fi
echo "check: $pass passed, $fail failed, $skip skipped"
exit $st
