#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Live tests against real Xen (make check-live).  Two ways to run:
#
#  - directly in a Xen dom0, as root (/proc/xen/privcmd present and
#    /proc/xen/capabilities says control_d);
#  - from a build host, by driving xenlab (../shared/xenlab/xenlab, or
#    XENLAB=/path/to/xenlab).  If xenlab is not up, this script runs
#    `xenlab build` and `xenlab up ROOT` itself and `xenlab down` at the end;
#    a lab that was already up (with this checkout at /host) is left up.
#
# It builds build/live/live_source (the library against Xen's own tools)
# and build/live/live_cli (the xenpt binary judged from the outside), makes
# sure the Linux PV and PVH domUs run (the xenlab ones, started if needed and
# stopped again afterwards; on a plain dom0 name them with XENPT_LIVE_PV= and
# XENPT_LIVE_PVH=), then runs tests/live/dom0.sh in dom0, which starts the
# project's test guest (tests/guest/, scenario=all hold=1) and throw-away
# domains, runs both programs and destroys what it started.  Prints
# "live: N passed, N failed, N skipped" at the end and exits non-zero on any failure.
#
# Knobs: XENLAB=path, XENPT_LIVE_OPTIONAL=1 (no Xen and no xenlab: say why
# and exit 0), XENPT_LIVE_PV / XENPT_LIVE_PVH (domain names to use; "none"
# skips), XENPT_LIVE_GONE=0 (skip the destroyed-domain tests),
# XENPT_LIVE_CORE=0 (skip the PV dump-core comparisons), XENPT_LIVE_SLOW=1
# (also compare a PVH dump-core: minutes under TCG), XENPT_LIVE_VERBOSE=1,
# XENPT_LIVE_SAN=1 (build in build-asan with ASan+UBSan, runtimes linked
# statically where this script links, because dom0 has no libasan; an
# xenpt built earlier by `make check-asan` gets them from the library
# directory this script fills).
set -u

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
LIVE_CLI=$BUILD/live/live_cli
LIVE_ZOMBIE=$BUILD/live/zombie_map
XENLAB=${XENLAB:-$ROOT/../shared/xenlab/xenlab}
TAG=live
extra_fail=0
t_start=$(date +%s)
# shellcheck source=tests/live/lab.sh
. "$ROOT/tests/live/lab.sh"

unavailable() {
	echo "live: cannot run the live tests: $*"
	if [ "${XENPT_LIVE_OPTIONAL:-0}" = 1 ]; then
		echo "live: skipped (XENPT_LIVE_OPTIONAL=1)"
		exit 0
	fi
	echo "live: 0 passed, 1 failed, 0 skipped"
	exit 1
}

lab_detect
[ "$MODE" = none ] && unavailable "$WHY"
trap lab_cleanup EXIT
trap 'exit 130' INT TERM

# ---- build -------------------------------------------------------------------
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
	${MAKE:-make} -s -f Makefile -f tests/live/live.mk BUILD="$BUILD" "$@" \
		"$BUILD/xenpt" guest "$LIVE_BIN" "$LIVE_CLI" "$LIVE_ZOMBIE" || {
		echo "live: building the live test programs failed"
		echo "live: 0 passed, 1 failed, 0 skipped"
		exit 1
	}
else
	for f in "$BUILD/xenpt" "$LIVE_BIN" "$LIVE_CLI" "$LIVE_ZOMBIE" "$BUILD/guest/xenpt-testguest"; do
		[ -f "$f" ] || unavailable "$f is missing and there is no compiler here: build it on the build host"
	done
fi

# ---- the lab, xenpt in dom0, the Linux domUs ----------------------------------------
lab_up || unavailable "$WHY"
XENPT=$(xenpt_for_dom0 "$LIVE_BIN" "$LIVE_CLI")
# dom0.sh (and so live_cli) runs with LD_LIBRARY_PATH naming dom0-lib, so
# live_cli execs the xenpt binary itself: no busybox sh wrapper between
# them.  xenlab's busybox sh is what crashed now and then in dom0
# (README.md, "the dom0 flake"); one sh fewer per xenpt command.
[ "$MODE" = xenlab ] && XENPT=$DROOT/$BUILD/xenpt

args=""
[ "${XENPT_LIVE_VERBOSE:-0}" = 1 ] && args="-v"
PV=${XENPT_LIVE_PV:-xenlab-domu}
PVH=${XENPT_LIVE_PVH:-xenlab-domu-pvh}
if [ "$PV" != none ]; then
	if ensure_domu pv "$PV"; then
		args="$args --pv $PV"
		[ "${XENPT_LIVE_CORE:-1}" = 1 ] && args="$args --core-pv"
	else
		echo "FAIL - the PV domU '$PV' is not running and could not be started"
		extra_fail=$((extra_fail + 1))
	fi
fi
if [ "$PVH" != none ]; then
	if ensure_domu pvh "$PVH"; then
		args="$args --pvh $PVH"
		[ "${XENPT_LIVE_SLOW:-0}" = 1 ] && args="$args --core-pvh"
	else
		echo "FAIL - the PVH domU '$PVH' is not running and could not be started"
		extra_fail=$((extra_fail + 1))
	fi
fi
[ "${XENPT_LIVE_GONE:-1}" = 1 ] || args="$args --no-gone"

# ---- run -------------------------------------------------------------------------
out=/tmp/xenpt-live-out.$$
T=900
[ "${XENPT_LIVE_SLOW:-0}" = 1 ] && T=2400
in_dom0 "cd $DROOT && LD_LIBRARY_PATH=$DROOT/$BUILD/live/dom0-lib XENPT_LIVE_SAN_ENV='$SAN_ENV' \
sh tests/live/dom0.sh --source $DROOT/$LIVE_BIN \
--cli $DROOT/$LIVE_CLI --zombie-map $DROOT/$LIVE_ZOMBIE --xenpt $XENPT --guest-cfg $DROOT/$BUILD/guest/xenpt-testguest.cfg \
--guest-kernel $DROOT/$BUILD/guest/xenpt-testguest $args" 2>&1 | tee "$out"
summary=$(grep -E '^dom0: [0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
rm -f "$out"
if [ -z "$summary" ]; then
	echo "live: the tests in dom0 did not finish"
	passed=0
	failed=$((extra_fail + 1))
else
	summary=${summary#dom0: }
	passed=${summary%% passed*}
	failed=${summary#* passed, }
	failed=$((${failed%% failed*} + extra_fail))
	case $summary in *" skipped"*) skipped=${summary#* failed, }; skipped=${skipped%% skipped*} ;; esac
fi

# ---- the differential corpus (tests/corpus/README.md) ------------------------------
# Re-record it on this Xen and compare with the committed record, sequence by
# sequence, after replacing MFNs by their symbols (they vary per boot).
# XENPT_LIVE_CORPUS=0 skips it (counted).
if [ "${XENPT_LIVE_CORPUS:-1}" = 0 ]; then
	echo "SKIP - corpus: XENPT_LIVE_CORPUS=0"
	skipped=$((${skipped:-0} + 1))
elif [ ! -x "$BUILD/guest/corpus-record" ]; then
	echo "FAIL - corpus: $BUILD/guest/corpus-record was not built"
	failed=$((failed + 1))
else
	mkdir -p "$BUILD/corpus"
	rm -f "$BUILD/corpus/xen-4.17.7.rec"
	rm -f "$BUILD/corpus/xen-4.17.7.rec".audit*
	XENPT_BUILD=$BUILD XENLAB=$XENLAB XENPT_CORPUS_AUDIT=$XENPT \
		sh tests/corpus/record.sh "$BUILD/corpus/xen-4.17.7.rec" | sed 's/^/live: /'
	if [ ! -s "$BUILD/corpus/xen-4.17.7.rec" ]; then
		echo "FAIL - corpus: no record was written"
		failed=$((failed + 1))
	else
		cres=$(python3 tests/corpus/normalize.py --compare tests/corpus/xen-4.17.7.rec \
			"$BUILD/corpus/xen-4.17.7.rec")
		printf '%s\n' "$cres" | grep -v ' passed, ' | head -40
		csum=$(printf '%s\n' "$cres" | tail -1)
		cp=${csum#corpus: }; cp=${cp%% passed*}
		cf=${csum#* passed, }; cf=${cf%% failed*}
		echo "live: corpus: $cp sequences agree with tests/corpus/xen-4.17.7.rec, $cf differ"
		passed=$((passed + cp))
		failed=$((failed + cf))
		# the guest after the corpus, audited in place (record.sh): everything
		# Xen let the sequences build is legal, so the audit is clean and
		# derives Xen's type for every frame; two frames with exactly the
		# holders the record says (tests/corpus/cases.seq: pin.double-l2's A
		# is pinned and nothing else; linear.two-levels's N is a pinned L4
		# whose entry 0 maps itself read-only)
		a=$BUILD/corpus/xen-4.17.7.rec
		for c in \
			"audit of the corpus guest: exit 0, no finding|[ \"\$(cat $a.audit.rc)\" = 0 ] && jq -e '.findings_total == 0 and .types_known' $a.audit.json" \
			"audit of the corpus guest: per level Xen says = rules derive|jq -e '[.types[] | select(.type | test(\"^l[1-4]\$\")) | .xen_says == .rules_derive] | all and length == 4' $a.audit.json" \
			"audit of the corpus guest: linear and self entries seen|jq -e '.counters.self_refs + .counters.linear_refs > 0' $a.audit.json" \
			"audit --frame: pin.double-l2's A is an L2 held by its pin alone|jq -e '.frame.derived == \"l2\" and .frame.xen_type == \"l2_pinned\" and ([.frame.holders[].kind] == [\"pin\"])' $a.audit-pin.json" \
			"audit --frame: linear.two-levels's N is a pinned L4 mapping itself at entry 0|jq -e '.frame.derived == \"l4\" and .frame.xen_type == \"l4_pinned\" and ([.frame.holders[].kind] | sort) == [\"pin\", \"self\"] and (.frame.mfn as \$m | [.frame.holders[] | select(.kind == \"self\" and .index == 0 and .table == \$m)] | length == 1)' $a.audit-self.json"; do
			desc=${c%%|*}
			# (jq -e succeeds on empty input: the files must not be empty)
			if [ -s "$a.audit.json" ] && [ -s "$a.audit-pin.json" ] && [ -s "$a.audit-self.json" ] &&
				sh -c "${c#*|}" >/dev/null 2>&1; then
				echo "ok - live: $desc"
				passed=$((passed + 1))
			else
				echo "FAIL - live: $desc"
				failed=$((failed + 1))
			fi
		done
	fi
fi
echo "live: $(($(date +%s) - t_start)) s in all"
echo "live: $passed passed, $failed failed, ${skipped:-0} skipped"
[ "$failed" = 0 ]
