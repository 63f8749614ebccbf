#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every tests/cli/t*.sh (or the ones named) and print "N passed, N failed".
# `make check-cli` runs it with $XENPT, $XENPT_FIXTURES and $XENPT_BUILD;
# UPDATE_GOLDEN=1 rewrites the goldens in tests/cli/expect/, VERBOSE=1 also
# shows the details of known bugs.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$dir/../.." && pwd)
: "${XENPT:=$top/build/xenpt}"
: "${XENPT_FIXTURES:=$top/tests/fixtures}"
: "${XENPT_BUILD:=$top/build}"
export XENPT XENPT_FIXTURES XENPT_BUILD

if [ ! -x "$XENPT" ]; then
	echo "run.sh: $XENPT is not executable (set XENPT, or run make)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
for tool in jq diff cmp; do
	command -v $tool >/dev/null 2>&1 || { echo "run.sh: $tool is needed (make deps)" >&2; exit 1; }
done

results=$(mktemp)
trap 'rm -f "$results"' EXIT INT TERM
export XENPT_TEST_RESULTS=$results

if [ $# -gt 0 ]; then
	tests="$*"
else
	tests=$(cd "$dir" && ls t[0-9][0-9][0-9]-*.sh)
fi
broken_files=
for t in $tests; do
	t=${t##*/}
	echo "# --- $t"
	before=$(grep -c -x fail "$results")
	if ! sh "$dir/$t"; then
		broken_files="$broken_files $t"
		# died without a failed expectation (a syntax error, a crash): count it
		[ "$(grep -c -x fail "$results")" -eq "$before" ] && echo fail >>"$results"
	fi
done

count() { grep -c -x "$1" "$results"; }
pass=$(count pass) fail=$(count fail) known=$(count known) fixed=$(count fixed) skip=$(count skip)
pass=$((pass + fixed))
echo
[ "$known" -gt 0 ] && echo "# $known known bugs (expectations of the right answer that fail today; VERBOSE=1 shows them)"
[ "$fixed" -gt 0 ] && echo "# $fixed known bugs now pass: remove their known_bug markers"
[ "$skip" -gt 0 ] && echo "# $skip test files skipped (missing fixtures)"
[ -n "$broken_files" ] && echo "# failing:$broken_files"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ -z "$broken_files" ]
