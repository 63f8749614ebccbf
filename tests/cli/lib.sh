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
#   capture [-s N] FILE CMD...        not a test: run CMD, stdout to FILE,
#                                     stderr to FILE.err, exit status to
#                                     FILE.status (for expect_same/empty,
#                                     which want status N, default 0)
#   through FILTER CMD...             run CMD, then its stdout through the
#                                     shell command FILTER (e.g. "jq -S ."):
#                                     fails when CMD fails (sh has no pipefail)
#   expect_same FILE1 FILE2 DESC      both sides succeeded and printed
#                                     something, and are equal: a file made
#                                     by `capture` must have exit status 0,
#                                     every file must be non-empty
#   expect_empty FILE DESC            FILE was made by `capture` with exit
#                                     status 0 and is empty (e.g. "no bad lines")
#   known_bug "WHY"                   the next expectation checks the right
#                                     answer but is known to fail: reported,
#                                     not counted as a failure
#   need FILE...                      the fixtures exist; a missing one is a
#                                     FAILURE and ends the file (make check-*
#                                     builds every fixture a test reads)
#   skip_all "WHY"                    the rest of the file cannot run HERE (a
#                                     tool not installed; never a missing
#                                     fixture): reported as a skip with the
#                                     identifier cli:<file name>, which
#                                     tests/skips.allow may allow
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
# run from run.sh, to $XENPT_TEST_RESULTS (one line per expectation: pass,
# fail, known, fixed, or "skip<TAB>ID<TAB>REASON"; and "done" when the file
# reached done_testing, so that a file that stops early counts as failed).

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

_result() { # _result pass|fail|known|fixed|done | _result skip ID REASON
	if [ -n "$XENPT_TEST_RESULTS" ]; then
		if [ "$1" = skip ]; then
			printf 'skip\t%s\t%s\n' "$2" "$3" >>"$XENPT_TEST_RESULTS"
		else
			printf '%s\n' "$1" >>"$XENPT_TEST_RESULTS"
		fi
	fi
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
	test_count=$((test_count + 1))
	printf '%s\n' "ok $test_count - the rest of $test_name # SKIP $1"
	test_skip=$((test_skip + 1))
	_result skip "cli:$test_name" "$(printf '%s' "$1" | tr '\n\t' '  ')"
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

# capture FILE CMD...: CMD's stdout to FILE, stderr to FILE.err, exit
# status to FILE.status.  Not an expectation; expect_same and expect_empty
# check the status.
capture() {
	_cw=0
	if [ "$1" = -s ]; then
		_cw=$2
		shift 2
	fi
	_cf=$1
	shift
	"$@" >"$_cf" 2>"$_cf.err"
	echo $? >"$_cf.status"
	echo "$_cw" >"$_cf.want"
}

# through FILTER CMD...: CMD's stdout through the shell command FILTER; the
# status is CMD's when it failed, else FILTER's.
through() {
	_tf=$1
	shift
	_tt=$(mktemp "$TRASH/.through.XXXXXX")
	"$@" >"$_tt" || { _ts=$?; rm -f "$_tt"; return $_ts; }
	sh -c "$_tf" <"$_tt"
	_ts=$?
	rm -f "$_tt"
	return $_ts
}

# _side FILE: print what is wrong with one side of a comparison (nothing
# when it is fine): a captured command that failed, an empty output.
_side() {
	if [ -f "$1.status" ] && [ "$(cat "$1.status")" != "$(cat "$1.want" 2>/dev/null || echo 0)" ]; then
		printf '%s\n' "$1: the command exited $(cat "$1.status"), expected $(cat "$1.want" 2>/dev/null || echo 0); stderr:"
		head -n 10 "$1.err"
	fi
	if [ "$2" = nonempty ] && [ ! -s "$1" ]; then
		printf '%s\n' "$1: empty (or missing): nothing to compare"
		[ -s "$1.err" ] && head -n 10 "$1.err"
	fi
}

# expect_same FILE1 FILE2 DESCRIPTION: both sides succeeded (when made by
# capture) and printed something, and the two files are equal.
expect_same() {
	{ _side "$1" nonempty; _side "$2" nonempty; } >"$TRASH/.detail"
	if [ -s "$TRASH/.detail" ]; then
		_report 1 "$3" <"$TRASH/.detail"
		return
	fi
	bad=0
	diff -u "$1" "$2" >"$TRASH/.detail" 2>&1 || bad=1
	_report $bad "$3" <"$TRASH/.detail"
}

# expect_empty FILE DESCRIPTION: FILE was made by capture, its command
# succeeded, and it printed nothing.
expect_empty() {
	{
		[ -f "$1.status" ] || printf '%s\n' "$1 was not made by capture: no exit status to check"
		_side "$1" any
		[ -s "$1" ] && { echo "$1 is not empty:"; head -n 20 "$1"; }
	} >"$TRASH/.detail"
	bad=0
	[ -s "$TRASH/.detail" ] && bad=1
	_report $bad "$2" <"$TRASH/.detail"
}

# need FILE...: the fixtures exist.  A missing fixture is a failure (the
# make targets build every fixture their tests read), and ends the file.
need() {
	_missing=
	for f in "$@"; do
		[ -e "$f" ] || _missing="$_missing $f"
	done
	if [ -n "$_missing" ]; then
		echo "missing:$_missing (make fixtures; every make check-* target depends on the fixtures its tests read)" \
			>"$TRASH/.detail"
		_report 1 "fixtures exist: $*" <"$TRASH/.detail"
		done_testing
	fi
}

done_testing() {
	if [ -n "$known_next" ]; then
		printf '%s\n' "# warning: known_bug '$known_next' marks no expectation"
	fi
	printf '# %s: %d passed, %d failed, %d skipped' "$test_name" "$test_pass" "$test_fail" "$test_skip"
	[ "$test_known" -gt 0 ] && printf ', %d known bugs' "$test_known"
	echo
	_result done
	[ "$test_fail" -eq 0 ]
	exit $?
}
