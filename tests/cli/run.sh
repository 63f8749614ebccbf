#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every tests/cli/t*.sh (or the ones named); the last line is
# "cli: N passed, N failed, N skipped".  A file that dies, or ends without
# reaching done_testing, counts as a failure.  With $XENPT_RESULTS_DIR set,
# the totals and the skips (ID<TAB>REASON) go to cli.counts and cli.skips
# there, for the check summary (tests/check-summary.sh, tests/README.md).
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
	echo "cli: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
for tool in jq diff cmp; do
	command -v $tool >/dev/null 2>&1 || {
		echo "run.sh: $tool is needed (make deps)" >&2
		echo "cli: 0 passed, 1 failed, 0 skipped"
		exit 1
	}
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
	done_before=$(grep -c -x done "$results")
	if ! sh "$dir/$t"; then
		broken_files="$broken_files $t"
		# died without a failed expectation (a syntax error, a crash): count it
		[ "$(grep -c -x fail "$results")" -eq "$before" ] && echo fail >>"$results"
	elif [ "$(grep -c -x done "$results")" -eq "$done_before" ]; then
		# exited 0 without reaching done_testing: its later expectations never ran
		echo "not ok - $t ended before done_testing"
		broken_files="$broken_files $t"
		echo fail >>"$results"
	fi
done

count() { grep -c -x "$1" "$results"; }
pass=$(count pass) fail=$(count fail) known=$(count known) fixed=$(count fixed)
skip=$(grep -c '^skip	' "$results")
pass=$((pass + fixed))
echo
[ "$known" -gt 0 ] && echo "# $known known bugs (expectations of the right answer that fail today; VERBOSE=1 shows them)"
[ "$fixed" -gt 0 ] && echo "# $fixed known bugs now pass: remove their known_bug markers"
if [ "$skip" -gt 0 ]; then
	echo "# skipped (could not run here):"
	sed -n 's/^skip	\([^	]*\)	\(.*\)$/#   \1	\2/p' "$results"
fi
[ -n "$broken_files" ] && echo "# failing:$broken_files"
line="cli: $pass passed, $fail failed, $skip skipped"
if [ -n "${XENPT_RESULTS_DIR:-}" ]; then
	mkdir -p "$XENPT_RESULTS_DIR"
	sed -n 's/^skip	//p' "$results" >"$XENPT_RESULTS_DIR/cli.skips"
	echo "$line" >"$XENPT_RESULTS_DIR/cli.counts"
fi
echo "$line"
[ "$fail" -eq 0 ] && [ -z "$broken_files" ]
