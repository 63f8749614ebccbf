#!/bin/sh
# SPDX-License-Identifier: MIT
# Replay the fuzz crash reproducers as regression tests (make check-fuzz-replay,
# part of make check and make check-asan):
#
#   tests/fuzz/replay.sh BINDIR
#
# tests/fuzz/crashes/<name>-* belongs to the target fuzz_<name>, built as
# BINDIR/fuzz_<name> with the standalone driver tests/fuzz/replay.c.  Each
# reproducer runs in its own process and is one test: it passes when the
# target returns (exit 0, no sanitizer report), and fails on a crash, a
# sanitizer report, or a reproducer whose target does not exist.  The last
# line is "fuzz: N passed, N failed, N skipped"; with $XENPT_RESULTS_DIR set,
# the totals go to fuzz.counts there (nothing is ever skipped).
set -u
bindir=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0 n=0
for c in "$top"/tests/fuzz/crashes/*; do
	[ -f "$c" ] || continue
	base=${c##*/}
	name=${base%%-*}
	bin=$bindir/fuzz_$name
	n=$((n + 1))
	if [ ! -x "$bin" ]; then
		fail=$((fail + 1))
		echo "not ok $n - fuzz_$name: crashes/$base: no target $bin (tests/fuzz/fuzz_$name.c)"
		continue
	fi
	out=$("$bin" "$c" 2>&1)
	st=$?
	if [ $st -eq 0 ] && ! printf '%s\n' "$out" | grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer'; then
		pass=$((pass + 1))
		echo "ok $n - fuzz_$name: crashes/$base"
	else
		fail=$((fail + 1))
		echo "not ok $n - fuzz_$name: crashes/$base still crashes (exit $st)"
		printf '%s\n' "$out" | grep -E 'ERROR|SUMMARY|runtime error|^    #[0-5] ' | head -n 12 | sed 's/^/#   /'
	fi
done
if [ "$n" -eq 0 ]; then
	fail=$((fail + 1))
	echo "not ok 1 - tests/fuzz/crashes/ holds reproducers"
fi
line="fuzz: $pass passed, $fail failed, 0 skipped"
if [ -n "${XENPT_RESULTS_DIR:-}" ]; then
	mkdir -p "$XENPT_RESULTS_DIR"
	: >"$XENPT_RESULTS_DIR/fuzz.skips"
	echo "$line" >"$XENPT_RESULTS_DIR/fuzz.counts"
fi
echo "$line"
[ "$fail" -eq 0 ]
