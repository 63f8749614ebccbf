# SPDX-License-Identifier: MIT
# tests/cli/lib.sh: the CLI test harness, after git's t/test-lib.sh.
#
# A test file tNNN-<cmd>-<detail>.sh sets test_description, sources this
# file and calls the expect_* helpers; `done_testing` ends it.
#
#   expect_ok CMD...                  exit status 0
#   expect_code N CMD...              exit status N
#   expect_stderr N PATTERN CMD...    exit status N, and stderr matches the
#                                     extended regexp PATTERN (expect_fail is
#                                     the same, for N != 0)
#   expect_cmp [-s N] [-e] GOLDEN CMD...
#                                     stdout equals expect/GOLDEN (diff -u);
#                                     exit status N (default 0); with -e the
#                                     golden also holds stderr, after a
#                                     "--- stderr ---" line
#   expect_json [-s N] GOLDEN CMD...  stdout is JSON equal to expect/GOLDEN,
#                                     both normalised with `jq -S .`
#   expect_jq [-s N] FILTER CMD...    stdout is JSON and `jq -e FILTER` holds
#   expect_bytes FILE CMD...          stdout is byte for byte FILE
#   expect_same FILE1 FILE2 DESC      two files (made by the test) are equal
#   known_bug "WHY"                   the next expectation checks the right
#                                     answer but is known to fail: reported,
#                                     not counted as a failure
#   skip_all "WHY"                    skip the rest of the file
#
# Commands run in a scratch directory ("trash") holding two symlinks,
#   tests/fixtures -> $XENPT_FIXTURES  and  build -> $XENPT_BUILD,
# so that tests name fixtures with relative paths (synth:tests/fixtures/...,
# core:build/fixtures/...) and the output never depends on where the
# checkout is.  `xenpt` is a function running $XENPT.
#
# UPDATE_GOLDEN=1 rewrites the goldens instead of comparing; review the diff
# (git diff tests/cli/expect) before committing: a golden is a claim that
# the output is right.
#
# Results go to stdout as "ok N - ..." / "not ok N - ..." lines, and, when
# run from run.sh, to $XENPT_TEST_RESULTS (one word per expectation: pass,
# fail, known, fixed, skip).

set -u
export LC_ALL=C

TEST_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$TEST_DIR/../.." && pwd)
EXPECT=$TEST_DIR/expect
: "${XENPT:=$TOP/build/xenpt}"
: "${XENPT_FIXTURES:=$TOP/tests/fixtures}"
: "${XENPT_BUILD:=$TOP/build}"
: "${UPDATE_GOLDEN:=}"
: "${XENPT_TEST_RESULTS:=}"
: "${VERBOSE:=}"
case $XENPT in /*) ;; *) XENPT=$(pwd)/$XENPT ;; esac
case $XENPT_FIXTURES in /*) ;; *) XENPT_FIXTURES=$(pwd)/$XENPT_FIXTURES ;; esac
case $XENPT_BUILD in /*) ;; *) XENPT_BUILD=$(pwd)/$XENPT_BUILD ;; esac
export XENPT XENPT_FIXTURES XENPT_BUILD TEST_DIR TOP

# The bundled data, as the tests name it (relative to the trash directory).
SYNTH_PV=synth:tests/fixtures/pv-linux.synth
SYNTH_HVM4=synth:tests/fixtures/hvm-4level.synth
SYNTH_HVM5=synth:tests/fixtures/hvm-5level.synth
SYNTH_HVMPAE=synth:tests/fixtures/hvm-pae.synth
SYNTH_HVM2=synth:tests/fixtures/hvm-2level.synth
CORE=core:build/fixtures/xenlab-domu.core
CORE_PVH=core:build/fixtures/xenlab-domu-pvh.core
# ...and as files
SYNTH_PV_FILE=tests/fixtures/pv-linux.synth
CORE_FILE=build/fixtures/xenlab-domu.core
CORE_PVH_FILE=build/fixtures/xenlab-domu-pvh.core
MFNDUMP_FILE=build/fixtures/xenlab-domu.mfndump-p2m.txt
export CORE_PVH CORE_PVH_FILE MFNDUMP_FILE
export SYNTH_PV SYNTH_HVM4 SYNTH_HVM5 SYNTH_HVMPAE SYNTH_HVM2 CORE SYNTH_PV_FILE CORE_FILE

test_name=$(basename "$0" .sh)
test_count=0
test_pass=0
test_fail=0
test_known=0
test_skip=0
known_next=

TRASH=$(mktemp -d "${TMPDIR:-/tmp}/xenpt-$test_name.XXXXXX")
trap 'cd /; rm -rf "$TRASH"' EXIT
mkdir -p "$TRASH/tests"
ln -s "$XENPT_FIXTURES" "$TRASH/tests/fixtures"
ln -s "$XENPT_BUILD" "$TRASH/build"
export TRASH
OUT=$TRASH/.out
ERR=$TRASH/.err
cd "$TRASH" || exit 1

xenpt() { "$XENPT" "$@"; }

_result() { # _result pass|fail|known|fixed|skip
	[ -n "$XENPT_TEST_RESULTS" ] && printf '%s\n' "$1" >>"$XENPT_TEST_RESULTS"
	:
}

_report() { # _report STATUS(0 ok) DESCRIPTION [detail on stdin when failing]
	test_count=$((test_count + 1))
	set -- "$1" "$(printf '%s' "$2" | tr '\n\t' '  ' | tr -s ' ')"
	if [ -n "$known_next" ]; then
		if [ "$1" -eq 0 ]; then
			test_pass=$((test_pass + 1))
			printf '%s\n' "ok $test_count - $2 # FIXED known bug: $known_next (remove the known_bug marker)"
			_result fixed
		else
			test_known=$((test_known + 1))
			printf '%s\n' "not ok $test_count - $2 # KNOWN BUG: $known_next"
			[ -n "$VERBOSE" ] && sed 's/^/#   /'
			_result known
		fi
		known_next=
		cat >/dev/null
		return 0
	fi
	if [ "$1" -eq 0 ]; then
		test_pass=$((test_pass + 1))
		printf '%s\n' "ok $test_count - $2"
		_result pass
		cat >/dev/null
	else
		test_fail=$((test_fail + 1))
		printf '%s\n' "not ok $test_count - $2"
		sed 's/^/#   /'
		_result fail
	fi
}

# _run CMD...: run in the trash directory, stdout to $OUT, stderr to $ERR.
_run() {
	"$@" >"$OUT" 2>"$ERR"
	status=$?
}

_show_err() { head -n 20 "$ERR"; }

known_bug() { known_next=$1; }

skip_all() {
	printf '%s\n' "ok $((test_count + 1)) # skip $test_name: $1"
	test_skip=$((test_skip + 1))
	_result skip
	done_testing
}

expect_ok() {
	_run "$@"
	{ printf '%s\n' "exit $status, expected 0; stderr:"; _show_err; } >"$TRASH/.detail"
	_report $((status != 0)) "$*" <"$TRASH/.detail"
}

expect_code() {
	want=$1
	shift
	_run "$@"
	{ printf '%s\n' "exit $status, expected $want; stderr:"; _show_err; } >"$TRASH/.detail"
	_report $((status != want)) "exit $want: $*" <"$TRASH/.detail"
}

expect_stderr() {
	want=$1 pat=$2
	shift 2
	_run "$@"
	bad=0
	[ "$status" -eq "$want" ] || bad=1
	grep -E -q -- "$pat" "$ERR" || bad=1
	{ printf '%s\n' "exit $status (expected $want); stderr should match /$pat/:"; _show_err; } >"$TRASH/.detail"
	_report $bad "exit $want, stderr /$pat/: $*" <"$TRASH/.detail"
}
expect_fail() { expect_stderr "$@"; }

expect_cmp() {
	want_status=0 with_err=
	while :; do
		case $1 in
		-s) want_status=$2; shift 2 ;;
		-e) with_err=1; shift ;;
		*) break ;;
		esac
	done
	golden=$1
	shift
	_run "$@"
	if [ -n "$with_err" ]; then
		{ echo "--- stderr ---"; cat "$ERR"; } >>"$OUT"
	fi
	if [ -n "$UPDATE_GOLDEN" ] && [ "$status" -eq "$want_status" ]; then
		mkdir -p "$EXPECT"
		cp "$OUT" "$EXPECT/$golden"
	fi
	bad=0
	[ "$status" -eq "$want_status" ] || bad=1
	if [ ! -f "$EXPECT/$golden" ]; then
		{ printf '%s\n' "no golden expect/$golden (UPDATE_GOLDEN=1 writes it); output:"; head -n 20 "$OUT"; } >"$TRASH/.detail"
		_report 1 "$golden: $*" <"$TRASH/.detail"
		return
	fi
	diff -u "$EXPECT/$golden" "$OUT" >"$TRASH/.diff" || bad=1
	{
		[ "$status" -eq "$want_status" ] || { printf '%s\n' "exit $status, expected $want_status; stderr:"; _show_err; }
		head -n 40 "$TRASH/.diff"
	} >"$TRASH/.detail"
	_report $bad "$golden: $*" <"$TRASH/.detail"
}

expect_json() {
	want_status=0
	if [ "$1" = -s ]; then
		want_status=$2
		shift 2
	fi
	golden=$1
	shift
	_run "$@"
	bad=0
	[ "$status" -eq "$want_status" ] || bad=1
	if ! jq -S . <"$OUT" >"$TRASH/.json" 2>"$TRASH/.jqerr"; then
		{ echo "stdout is not JSON:"; cat "$TRASH/.jqerr"; head -c 600 "$OUT"; echo; _show_err; } >"$TRASH/.detail"
		_report 1 "$golden: $*" <"$TRASH/.detail"
		return
	fi
	if [ -n "$UPDATE_GOLDEN" ] && [ "$status" -eq "$want_status" ]; then
		mkdir -p "$EXPECT"
		cp "$TRASH/.json" "$EXPECT/$golden"
	fi
	if [ ! -f "$EXPECT/$golden" ]; then
		{ printf '%s\n' "no golden expect/$golden (UPDATE_GOLDEN=1 writes it); output:"; head -n 20 "$TRASH/.json"; } >"$TRASH/.detail"
		_report 1 "$golden: $*" <"$TRASH/.detail"
		return
	fi
	jq -S . "$EXPECT/$golden" >"$TRASH/.golden" 2>/dev/null || cp "$EXPECT/$golden" "$TRASH/.golden"
	diff -u "$TRASH/.golden" "$TRASH/.json" >"$TRASH/.diff" || bad=1
	{
		[ "$status" -eq "$want_status" ] || { printf '%s\n' "exit $status, expected $want_status; stderr:"; _show_err; }
		head -n 40 "$TRASH/.diff"
	} >"$TRASH/.detail"
	_report $bad "$golden: $*" <"$TRASH/.detail"
}

expect_jq() {
	want_status=0
	if [ "$1" = -s ]; then
		want_status=$2
		shift 2
	fi
	filter=$1
	shift
	_run "$@"
	bad=0
	[ "$status" -eq "$want_status" ] || bad=1
	[ -s "$OUT" ] || bad=1   # jq 1.6 -e succeeds on empty input
	jq -e "$filter" <"$OUT" >"$TRASH/.jq" 2>&1 || bad=1
	{ printf '%s\n' "exit $status; jq -e '$filter' said:"; head -n 5 "$TRASH/.jq"; echo "stdout:"; head -c 800 "$OUT"; echo; _show_err; } >"$TRASH/.detail"
	_report $bad "jq '$filter': $*" <"$TRASH/.detail"
}

expect_bytes() {
	file=$1
	shift
	_run "$@"
	bad=0
	[ "$status" -eq 0 ] || bad=1
	cmp "$file" "$OUT" >"$TRASH/.cmp" 2>&1 || bad=1
	{ printf '%s\n' "exit $status; cmp:"; cat "$TRASH/.cmp"; od -A x -t x1z "$OUT" | head -n 8; _show_err; } >"$TRASH/.detail"
	_report $bad "bytes of $file: $*" <"$TRASH/.detail"
}

# expect_same FILE1 FILE2 DESCRIPTION: the two files are equal.
expect_same() {
	bad=0
	diff -u "$1" "$2" >"$TRASH/.detail" 2>&1 || bad=1
	_report $bad "$3" <"$TRASH/.detail"
}

# need FILE...: skip the rest of the file unless the fixtures exist.
need() {
	for f in "$@"; do
		[ -e "$f" ] || skip_all "missing fixture $f"
	done
}

done_testing() {
	if [ -n "$known_next" ]; then
		printf '%s\n' "# warning: known_bug '$known_next' marks no expectation"
	fi
	printf '# %s: %d passed, %d failed' "$test_name" "$test_pass" "$test_fail"
	[ "$test_known" -gt 0 ] && printf ', %d known bugs' "$test_known"
	[ "$test_skip" -gt 0 ] && printf ', skipped'
	echo
	[ "$test_fail" -eq 0 ]
	exit $?
}
