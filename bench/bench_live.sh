#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Live benchmark, run by `make bench` after the offline ones: a full walk of
# the Linux PV domU's page tables by xenpt (the library iterator and
# `xenpt dump`) against Xen's own xen-mfndump (dump-ptes of every page-table
# frame, lookup-pte of sample MFNs), in foreign-map calls and wall time.
# Map calls are counted the same way for every program, by an LD_PRELOAD
# shim on the privcmd ioctls (tests/live/ioctl_count.c; dom0 has no strace).
# The work is tests/live/live_bench.c, run in dom0.
#
# Runs only when live is possible: directly in a dom0 (as root), or with
# xenlab (../shared/xenlab/xenlab, or XENLAB=), which it boots when it is not
# up and shuts down again afterwards (an already running lab is left as it
# is).  Otherwise it prints that it skipped.  XENPT_BENCH_LIVE=0 skips it;
# XENPT_BENCH_PV=DOMAIN names the PV domU on a plain dom0.
# Figures only, no thresholds: exit 0 unless the benchmark could not run
# where it should have.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$ROOT" || exit 1
BUILD=${XENPT_BUILD:-build}
case $BUILD in
"$ROOT"/*) BUILD=${BUILD#"$ROOT"/} ;;
/*) echo "bench_live: the build directory $BUILD is outside the checkout $ROOT: skipped"; exit 0 ;;
esac
XENLAB=${XENLAB:-$ROOT/../shared/xenlab/xenlab}
TAG=bench_live
# shellcheck source=tests/live/lab.sh
. "$ROOT/tests/live/lab.sh"

if [ "${XENPT_BENCH_LIVE:-1}" = 0 ]; then
	echo "bench_live: skipped (XENPT_BENCH_LIVE=0)"
	exit 0
fi
lab_detect
if [ "$MODE" = none ]; then
	echo "bench_live: skipped: $WHY"
	exit 0
fi
if ! ${PKG_CONFIG:-pkg-config} --exists xencontrol xenforeignmemory 2>/dev/null; then
	echo "bench_live: skipped: built without libxen-dev"
	exit 0
fi
trap lab_cleanup EXIT
trap 'exit 130' INT TERM

${MAKE:-make} -s -f Makefile -f tests/live/live.mk BUILD="$BUILD" "$BUILD/xenpt" \
	"$BUILD/live/live_bench" "$BUILD/live/ioctl_count.so" || {
	echo "bench_live: building the benchmark failed"
	exit 1
}
if ! lab_up; then
	echo "bench_live: skipped: $WHY"
	exit 0
fi
XENPT=$(xenpt_for_dom0 "$BUILD/live/live_bench")
PV=${XENPT_BENCH_PV:-xenlab-domu}
ensure_domu pv "$PV" || { echo "bench_live: no PV domU '$PV'"; exit 1; }

echo "bench_live: the PV domU '$PV', in dom0 ($MODE)"
in_dom0 "cd $DROOT && LD_LIBRARY_PATH=$DROOT/$BUILD/live/dom0-lib $DROOT/$BUILD/live/live_bench --pv $PV --xenpt $XENPT \
--shim $DROOT/$BUILD/live/ioctl_count.so"
