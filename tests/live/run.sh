#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Live tests against real Xen (make check-live).  Two ways to run:
#
#  - directly in a Xen dom0, as root (/proc/xen/privcmd present and
#    /proc/xen/capabilities says control_d);
#  - from a build host, by driving xenlab (../shared/xenlab/xenlab, or
#    XENLAB=/path/to/xenlab).  xenlab must already be up with this checkout
#    at /host (`xenlab up DIR`): this script never boots or stops the lab.
#
# It builds build/tests/live_source (tests/live/live.mk), makes sure a PV and
# a PVH domU are running (the xenlab ones, started if needed and stopped
# again afterwards; on a plain dom0 name them with XENPT_LIVE_PV= and
# XENPT_LIVE_PVH=), creates a paused throw-away PV domain for the
# "destroyed while we look" test, runs the test in dom0 and prints
# "live: N passed, N failed".
#
# Knobs: XENLAB=path, XENPT_LIVE_OPTIONAL=1 (no Xen: say why and exit 0),
# XENPT_LIVE_PV / XENPT_LIVE_PVH (domain names or ids to use; "none" skips),
# XENPT_LIVE_GONE_CFG (xl config of the throw-away domain; "none" skips),
# XENPT_LIVE_CORE=0 (skip the PV dump-core comparison),
# XENPT_LIVE_SLOW=1 (also compare a PVH dump-core: minutes under TCG),
# XENPT_LIVE_VERBOSE=1 (pass -v: show the source's log messages),
# XENPT_LIVE_SAN=1 (build in build-asan with ASan+UBSan, runtimes linked
# statically because dom0 has no libasan, and run with leak detection).
set -u

# ---- the dom0 half: run by this script itself, in dom0 --------------------
if [ "${1:-}" = "--in-dom0" ]; then
	shift
	bin=$1 gone_cfg=$2 gone_name=$3
	shift 3
	gone=""
	if [ "$gone_cfg" != none ]; then
		if xl create -p "$gone_cfg" "name=\"$gone_name\"" >/tmp/xenpt-live-create.log 2>&1; then
			gone="--gone $gone_name"
		else
			echo "FAIL - gone: xl create -p $gone_cfg failed:"
			sed 's/^/#   /' /tmp/xenpt-live-create.log
		fi
	fi
	# $gone is two words or nothing.
	# shellcheck disable=SC2086
	"$bin" "$@" $gone
	rc=$?
	xl destroy "$gone_name" >/dev/null 2>&1
	rm -f /tmp/xenpt-live-create.log
	exit $rc
fi

# ---- the driver ------------------------------------------------------------
ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$ROOT" || exit 1
BUILD=${XENPT_BUILD:-build}
SAN_ENV=""
if [ "${XENPT_LIVE_SAN:-0}" = 1 ]; then
	BUILD=build-asan
	SAN_ENV="ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
fi
case $BUILD in
"$ROOT"/*) BUILD=${BUILD#"$ROOT"/} ;;
/*) echo "live: the build directory $BUILD is outside the checkout $ROOT"; exit 1 ;;
esac
LIVE_BIN=$BUILD/live/live_source
XENLAB=${XENLAB:-$ROOT/../shared/xenlab/xenlab}
extra_fail=0
started=""

unavailable() {
	echo "live: cannot run the live tests: $*"
	if [ "${XENPT_LIVE_OPTIONAL:-0}" = 1 ]; then
		echo "live: skipped (XENPT_LIVE_OPTIONAL=1)"
		exit 0
	fi
	echo "live: 0 passed, 1 failed"
	exit 1
}

if [ -e /proc/xen/privcmd ] && grep -q control_d /proc/xen/capabilities 2>/dev/null; then
	[ "$(id -u)" = 0 ] || unavailable "this is a Xen dom0, but the tests must run as root"
	MODE=dom0
	DROOT=$ROOT
elif [ -x "$XENLAB" ]; then
	MODE=xenlab
	st=$("$XENLAB" status 2>&1) ||
		unavailable "xenlab ($XENLAB) is not up: start it with '$XENLAB up $ROOT'"
	hostdir=$(printf '%s\n' "$st" | sed -n 's/.*host dir \(.*\) at \/host.*/\1/p')
	if [ -z "$hostdir" ] || [ "$(cd "$hostdir" 2>/dev/null && pwd -P)" != "$ROOT" ]; then
		unavailable "xenlab has '${hostdir:-?}' at /host, not this checkout ($ROOT)"
	fi
	DROOT=/host
else
	unavailable "no Xen here (no /proc/xen/privcmd of a dom0) and no xenlab at $XENLAB (set XENLAB=...)"
fi

# Run a command in dom0 (busybox sh in xenlab).
in_dom0() {
	if [ "$MODE" = xenlab ]; then
		"$XENLAB" run -t "${T:-900}" "$1"
	else
		sh -c "$1"
	fi
}

# ---- build ----------------------------------------------------------------
if command -v "${MAKE:-make}" >/dev/null 2>&1 && command -v "${CC:-cc}" >/dev/null 2>&1; then
	if ! ${PKG_CONFIG:-pkg-config} --exists xencontrol xenforeignmemory xenguest xenstore 2>/dev/null; then
		unavailable "libxenpt is built without libxen-dev (pkg-config finds no xencontrol); install it (make deps)"
	fi
	if [ -n "$SAN_ENV" ]; then
		static="-static-libasan -static-libubsan"
		"${CC:-cc}" --version 2>/dev/null | grep -q clang && static="-static-libsan"
		set -- SAN=1 OPT=-O1 "LDFLAGS=-fsanitize=address,undefined $static"
	else
		set --
	fi
	${MAKE:-make} -s -f Makefile -f tests/live/live.mk BUILD="$BUILD" "$@" "$LIVE_BIN" || {
		echo "live: building $LIVE_BIN failed"
		echo "live: 0 passed, 1 failed"
		exit 1
	}
elif [ ! -x "$LIVE_BIN" ]; then
	unavailable "$LIVE_BIN is missing and there is no compiler here: build it on the build host"
fi

# ---- domains ---------------------------------------------------------------
cleanup() {
	for d in $started; do
		case $d in
		pv) "$XENLAB" domu stop >/dev/null 2>&1 ;;
		pvh) "$XENLAB" domu stop --pvh >/dev/null 2>&1 ;;
		esac
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

running=$(in_dom0 "xl list 2>/dev/null | awk 'NR>1 {print \$1}'" 2>/dev/null)
is_running() { printf '%s\n' "$running" | grep -qx "$1"; }

# Make sure the xenlab domU NAME runs (start it with xenlab; PVH boots
# triple-fault now and then under TCG, so try twice).  Not in a subshell:
# it records what it started in $started, for cleanup.
ensure_domu() {	# kind(pv|pvh) name
	if is_running "$2"; then
		return 0
	fi
	if [ "$MODE" != xenlab ]; then
		echo "live: no domain '$2' here; set XENPT_LIVE_$(echo "$1" | tr a-z A-Z)=DOMAIN"
		return 1
	fi
	flag=""
	[ "$1" = pvh ] && flag=--pvh
	for try in 1 2; do
		echo "live: starting the $1 domU ($2), try $try"
		if "$XENLAB" domu start $flag >/dev/null 2>/tmp/xenpt-live-start.$$; then
			started="$started $1"
			rm -f /tmp/xenpt-live-start.$$
			return 0
		fi
		sed 's/^/live:   /' /tmp/xenpt-live-start.$$ | tail -5
		"$XENLAB" domu stop $flag >/dev/null 2>&1
	done
	rm -f /tmp/xenpt-live-start.$$
	return 1
}

args=""
[ "${XENPT_LIVE_VERBOSE:-0}" = 1 ] && args="-v"
PV=${XENPT_LIVE_PV:-xenlab-domu}
PVH=${XENPT_LIVE_PVH:-xenlab-domu-pvh}
if [ "$PV" != none ]; then
	if ensure_domu pv "$PV"; then
		args="$args --pv $PV"
		[ "${XENPT_LIVE_CORE:-1}" = 1 ] && args="$args --core"
	else
		echo "FAIL - the PV domU '$PV' is not running and could not be started"
		extra_fail=$((extra_fail + 1))
	fi
fi
if [ "$PVH" != none ]; then
	if ensure_domu pvh "$PVH"; then
		args="$args --pvh $PVH"
		[ "${XENPT_LIVE_SLOW:-0}" = 1 ] && args="$args --pvh-core"
	else
		echo "FAIL - the PVH domU '$PVH' is not running and could not be started"
		extra_fail=$((extra_fail + 1))
	fi
fi
GONE_CFG=${XENPT_LIVE_GONE_CFG:-/xenlab/domu/xenlab-domu.cfg}
if [ "$MODE" = dom0 ] && [ -z "${XENPT_LIVE_GONE_CFG:-}" ] && [ ! -f "$GONE_CFG" ]; then
	GONE_CFG=none
	echo "skip - gone: no xl config for a throw-away domain (set XENPT_LIVE_GONE_CFG=)"
fi

# ---- run -------------------------------------------------------------------
out=/tmp/xenpt-live-out.$$
in_dom0 "cd $DROOT && $SAN_ENV sh tests/live/run.sh --in-dom0 $DROOT/$LIVE_BIN $GONE_CFG xenpt-live-gone-$$ $args" |
	tee "$out"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
extra_fail=$((extra_fail + $(grep -c '^FAIL - gone: xl create' "$out")))
rm -f "$out"
if [ -z "$summary" ]; then
	echo "live: the test program did not finish"
	passed=0
	failed=$((extra_fail + 1))
else
	passed=${summary%% passed*}
	failed=${summary#* passed, }
	failed=$((${failed%% failed*} + extra_fail))
fi
echo "live: $passed passed, $failed failed"
[ "$failed" = 0 ]
