#!/bin/sh
# Run every unit-test binary given on the command line; print one summary
# line "N passed, N failed" over all of them.
total_pass=0; total_fail=0; bad=""
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	p=$(printf '%s\n' "$out" | sed -n 's/^# \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(printf '%s\n' "$out" | sed -n 's/^# \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	if [ -z "$p" ]; then p=0; f=1; fi       # crashed before the summary
	if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
	if [ $rc -ne 0 ]; then
		bad="$bad $(basename "$t")"
		printf '%s\n' "$out" | grep -v '^ok ' | sed "s|^|$(basename "$t"): |"
	fi
	printf '%-24s %s passed, %s failed\n' "$(basename "$t")" "$p" "$f"
done
echo "unit: $total_pass passed, $total_fail failed"
[ -z "$bad" ]
