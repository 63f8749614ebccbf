#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Hostile cores, run by `make bench` (issue 14): made at bench time from
# the shipped core (build/fixtures/xenlab-domu.core) with
# tests/cli/coreedit.py, as the CLI tests t313/t430/t445 make theirs:
#   fan-out    L4 slot 1 names an L3 whose 512 entries all name one L2 whose
#              512 entries name 256 L1 tables round robin (512 * 512 paths)
#   random     L4 slot 1 names the first of 1024 pages of random entries,
#              most of them present and naming one of the 1024 (random
#              flags, levels, loops; seed 14)
#   collide    65536 absent L1 tables and 131072 leaves whose MFNs all
#              collided in the hash tables xenpt had before lib/base/htab.c
#   collide-p2m  every MFN of .xen_p2m replaced by a colliding one
# then dump, rmap, p2m --check and audit on each under /usr/bin/time: wall
# time and peak RSS, with the hash tables' probe counts (--stats).  Figures
# only, no thresholds.  Skipped without python3 or /usr/bin/time.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
BUILD=${XENPT_BUILD:-$ROOT/build}
XENPT=${XENPT:-$BUILD/xenpt}
CORE=$BUILD/fixtures/xenlab-domu.core
EDIT=$ROOT/tests/cli/coreedit.py
ROOT_MFN=0x53d9a   # vCPU 0's L4 in the shipped core (tests/cli/t201)
TIMEOUT=${XENPT_BENCH_TIMEOUT:-120}

if ! command -v python3 >/dev/null 2>&1 || [ ! -x /usr/bin/time ]; then
	echo "bench_hostile: needs python3 and /usr/bin/time: skipped"
	exit 0
fi
[ -f "$CORE" ] || { echo "bench_hostile: $CORE missing (make fixtures)" >&2; exit 1; }
DIR=$BUILD/bench/hostile
mkdir -p "$DIR" || exit 1
make_core() { # NAME COMMAND...: $DIR/NAME.core, remade when the shipped core or coreedit.py is newer
	name=$1
	shift
	out=$DIR/$name.core
	if [ ! -s "$out" ] || [ -n "$(find "$CORE" "$EDIT" -newer "$out")" ]; then
		cp "$CORE" "$out.tmp" && "$@" "$out.tmp" && mv "$out.tmp" "$out" || { rm -f "$out.tmp"; exit 1; }
	fi
}
fanout() { python3 "$EDIT" fan-out "$1" $ROOT_MFN 256; }
random_tables() { python3 "$EDIT" random-tables "$1" $ROOT_MFN 1024 14; }
collide() { python3 "$EDIT" collide-tables "$1" $ROOT_MFN 128 256; }
collide_p2m() { python3 "$EDIT" collide-p2m "$1"; }
make_core fan-out fanout
make_core random random_tables
make_core collide collide
make_core collide-p2m collide_p2m

T=$(mktemp) E=$(mktemp)
trap 'rm -f "$T" "$E"' EXIT INT TERM
echo "bench_hostile: hostile cores from $CORE (in $DIR); each command: wall time, peak RSS, exit, hash-table probes"
for name in fan-out random collide collide-p2m; do
	echo "  $name ($(wc -c <"$DIR/$name.core") bytes)"
	for cmd in "dump" "rmap --pfn 0x100" "p2m --check" "audit"; do
		# shellcheck disable=SC2086 # the command's words
		/usr/bin/time -o "$T" -f '%e %M' timeout "$TIMEOUT" "$XENPT" --stats $cmd "core:$DIR/$name.core" >/dev/null 2>"$E"
		st=$?
		# shellcheck disable=SC2046
		set -- $(tail -1 "$T")
		probes=$(sed -n 's/.*hash tables: \([0-9]*\) tables, \([0-9]*\) lookups, \([0-9]*\) probes, longest probe \([0-9]*\) slots.*/\2 lookups, \3 probes, longest \4/p' "$E")
		[ $st -eq 124 ] && probes="TIMED OUT after $TIMEOUT s"
		printf '    %-18s %7s s wall %8s KiB peak RSS  exit %-3s %s\n' "$cmd" "${1:-?}" "${2:-?}" "$st" "$probes"
	done
done
exit 0
