#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Opening a large synthetic spec, run by `make bench`: specs of
# XENPT_BENCH_SYNTH_LINES mapping lines (default 500000, made by
# bench/gen-synth-spec.py into the build directory), one with the lines
# dense (many to an L1 table) and one --sparse (an L1 table per line), then
# `xenpt list`, `info`, `walk` of one VA and `dump --max-lines 1` (dense
# only) on them, each under /usr/bin/time: wall time, CPU time and peak
# RSS.  Figures only, no thresholds.  Skipped without python3 or
# /usr/bin/time.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
BUILD=${XENPT_BUILD:-$ROOT/build}
XENPT=${XENPT:-$BUILD/xenpt}
N=${XENPT_BENCH_SYNTH_LINES:-500000}

if ! command -v python3 >/dev/null 2>&1 || [ ! -x /usr/bin/time ]; then
	echo "bench_synth_spec: needs python3 and /usr/bin/time: skipped"
	exit 0
fi
mkdir -p "$BUILD/bench" || exit 1
run() {
	label=$1
	shift
	out=$( { /usr/bin/time -f '%e %U %S %M' "$XENPT" "$@" >/dev/null; } 2>&1 | tail -1)
	# shellcheck disable=SC2086 # four numbers, split on purpose
	set -- $out
	printf '  %-28s %6s s wall %6s s user %6s s sys %8s KiB peak RSS\n' "$label" "$1" "$2" "$3" "$4"
}
for kind in dense sparse; do
	opt=
	[ $kind = sparse ] && opt=--sparse
	SPEC=$BUILD/bench/synth-$kind-$N.synth
	if [ ! -s "$SPEC" ] || [ -n "$(find "$ROOT/bench/gen-synth-spec.py" -newer "$SPEC")" ]; then
		python3 "$ROOT/bench/gen-synth-spec.py" $opt "$N" "$SPEC.tmp" && mv "$SPEC.tmp" "$SPEC" || exit 1
	fi
	echo "bench_synth_spec: $N mapping lines, $kind, $(wc -c <"$SPEC") bytes ($SPEC)"
	# the VA of line 12345 (or the last) of the generator: mapped
	VA=$(python3 -B -c "import sys; sys.path.insert(0, '$ROOT/bench'); g = __import__('gen-synth-spec'); print(hex(g.va_pfn(min(12345, $N - 1), '$opt' != '')[0]))")
	run "list" list "synth:$SPEC"
	run "info" info "synth:$SPEC"
	run "walk $VA" walk "synth:$SPEC" "$VA"
	[ $kind = dense ] && run "dump --max-lines 1" dump --max-lines 1 "synth:$SPEC"
done
exit 0
