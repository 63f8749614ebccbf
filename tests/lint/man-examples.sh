#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The EXAMPLES of the man pages are real runs: every .EX block that starts
# with a "$ COMMAND" line shows COMMAND's output.  This script re-runs them.
#
#   man-examples.sh check PAGE...    print "ok"/"not ok" lines, exit 1 on a difference
#   man-examples.sh update PAGE...   rewrite the output lines in place
#
# Commands run with sh in a scratch directory holding tests/fixtures and
# build (-> $XENPT_BUILD), with `xenpt` on PATH being $XENPT, so the pages
# show the paths a user of a checkout types.  A block whose command needs a
# missing file (build/fixtures/*.core before `make fixtures`) FAILS: `make
# check-lint` builds the fixtures.  `xenpt version` blocks are compared with
# the feature values (yes/no, true/false) blotted out on both sides, since
# they depend on the build.  The check ends with "man-examples: N passed, N
# failed, N skipped"; a skipped block would print "ok - ... # SKIP REASON"
# and, with $XENPT_RESULTS_DIR set, go to man-examples.skips there (none
# today).  tests/lint/sync.sh runs the check.

set -u
export LC_ALL=C
mode=$1
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${XENPT:=$top/build/xenpt}"
: "${XENPT_BUILD:=$top/build}"
case $XENPT in /*) ;; *) XENPT=$(pwd)/$XENPT ;; esac
case $XENPT_BUILD in /*) ;; *) XENPT_BUILD=$(pwd)/$XENPT_BUILD ;; esac

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT INT TERM
mkdir -p "$scratch/tests" "$scratch/bin"
ln -s "$top/tests/fixtures" "$scratch/tests/fixtures"
ln -s "$XENPT_BUILD" "$scratch/build"
ln -s "$XENPT" "$scratch/bin/xenpt"

# roff -> text, and back (what may appear in an .EX block)
unroff() { sed -e 's/^\\&//' -e 's/\\-/-/g' -e 's/\\e/\\/g'; }
enroff() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

run() { # run COMMAND: its stdout and stderr as a user sees them
	(cd "$scratch" && PATH=$scratch/bin:$PATH sh -c "$1" 2>&1)
}

for page in "$@"; do
	name=${page##*/}
	# blocks: "START END" line numbers of the "$ " line and of the .EE
	awk '/^\.EX/ { ex = NR; next }
	     ex && NR == ex + 1 && /^\$ / { start = NR; next }
	     /^\.EE/ { if (start) print start, NR; ex = 0; start = 0 }' "$page" >"$scratch/blocks"
	# last block first, so that updates keep the earlier line numbers valid
	sort -rn "$scratch/blocks" | while read -r start end; do
		cmd=$(sed -n "${start}p" "$page" | unroff | sed 's/^\$ //')
		# the features of `xenpt version` depend on the build
		blot=cat
		case $cmd in
		*"xenpt version"* | *"xenpt --json version"* | *"xenpt -j version"*)
			blot="sed -E 's/=(yes|no)\\b/=BOOL/g; s/\"(true|false)\"|\\b(true|false)\\b/BOOL/g'" ;;
		esac
		missing=
		for f in $(printf '%s\n' "$cmd" | grep -o 'core:[^ ;|]*\|synth:[^ ;|]*' | sed 's/^[a-z]*://'); do
			[ -e "$scratch/$f" ] || missing="$missing $f"
		done
		if [ -n "$missing" ]; then
			printf '%s\n' "not ok - $name: EXAMPLES '$cmd': fixture missing:$missing (make fixtures)"
			echo fail >>"$scratch/failed"
			continue
		fi
		run "$cmd" >"$scratch/actual"
		if [ "$mode" = update ]; then
			{
				sed -n "1,${start}p" "$page"
				enroff <"$scratch/actual"
				sed -n "${end},\$p" "$page"
			} >"$scratch/new"
			cat "$scratch/new" >"$page"
			printf '%s\n' "updated - $name: $cmd"
			continue
		fi
		sed -n "$((start + 1)),$((end - 1))p" "$page" | unroff | sh -c "$blot" >"$scratch/shown"
		sh -c "$blot" <"$scratch/actual" >"$scratch/actual.blot"
		if [ -s "$scratch/actual" ] && cmp -s "$scratch/shown" "$scratch/actual.blot"; then
			printf '%s\n' "ok - $name: EXAMPLES '$cmd' shows its real output"
			echo pass >>"$scratch/passed"
		else
			printf '%s\n' "not ok - $name: EXAMPLES '$cmd' shows its real output"
			diff -u "$scratch/shown" "$scratch/actual" | sed -n '3,14s/^/#   /p'
			printf '%s\n' "#   (tests/lint/man-examples.sh update $page rewrites it)"
			echo fail >>"$scratch/failed"
		fi
	done
done
[ "$mode" = update ] && exit 0
n() { if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }
if [ -n "${XENPT_RESULTS_DIR:-}" ]; then
	mkdir -p "$XENPT_RESULTS_DIR"
	if [ -f "$scratch/skipped" ]; then
		cp "$scratch/skipped" "$XENPT_RESULTS_DIR/man-examples.skips"
	else
		: >"$XENPT_RESULTS_DIR/man-examples.skips"
	fi
fi
echo "man-examples: $(n "$scratch/passed") passed, $(n "$scratch/failed") failed, $(n "$scratch/skipped") skipped"
[ ! -s "$scratch/failed" ]
