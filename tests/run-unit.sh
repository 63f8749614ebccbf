#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every unit-test binary given on the command line; print one line per
# binary and a last line "unit: N passed, N failed, N skipped" over all of
# them.  A binary that dies before its own summary line counts as one more
# failure.  Each skipped test ("ok N - NAME # SKIP REASON") is listed as
# unit:<binary>:<NAME> with its reason; with $XENPT_RESULTS_DIR set, the
# totals and the skips go to unit.counts and unit.skips there, for the
# check summary (tests/check-summary.sh, tests/README.md).
total_pass=0; total_fail=0; total_skip=0; bad=""
skips=$(mktemp)
trap 'rm -f "$skips"' EXIT INT TERM
for t in "$@"; do
	name=$(basename "$t")
	out=$("$t" 2>&1); rc=$?
	sum=$(printf '%s\n' "$out" | sed -n 's/^# \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' | tail -n 1)
	if [ -z "$sum" ]; then
		p=0; f=1; s=0                   # crashed before the summary
	else
		set -- $sum; p=$1; f=$2; s=$3
	fi
	if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
	printf '%s\n' "$out" | sed -n "s/^ok [0-9]* - \([^ ]*\) # SKIP \(.*\)\$/unit:$name:\1	\2/p" >>"$skips"
	if [ $rc -ne 0 ] || [ -z "$sum" ]; then
		bad="$bad $name"
		printf '%s\n' "$out" | grep -v '^ok ' | sed "s|^|$name: |"
	fi
	printf '%-24s %s passed, %s failed, %s skipped\n' "$name" "$p" "$f" "$s"
done
if [ -s "$skips" ]; then
	echo "# skipped:"
	sed 's/^/#   /' "$skips"
fi
line="unit: $total_pass passed, $total_fail failed, $total_skip skipped"
if [ -n "${XENPT_RESULTS_DIR:-}" ]; then
	mkdir -p "$XENPT_RESULTS_DIR"
	cp "$skips" "$XENPT_RESULTS_DIR/unit.skips"
	echo "$line" >"$XENPT_RESULTS_DIR/unit.counts"
fi
echo "$line"
[ -z "$bad" ] && [ "$total_fail" -eq 0 ]
