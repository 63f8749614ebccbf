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
# show the paths a user of a checkout types.  Blocks whose command needs a
# missing file (build/fixtures/*.core before `make fixtures`) are skipped;
# `xenpt version` blocks are skipped because their features depend on the
# build.  tests/lint/sync.sh runs the check.

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

fail=0
for page in "$@"; do
	name=${page##*/}
	# blocks: "START END" line numbers of the "$ " line and of the .EE
	awk '/^\.EX/ { ex = NR; next }
	     ex && NR == ex + 1 && /^\$ / { start = NR; next }
	     /^\.EE/ { if (start) print start, NR; ex = 0; start = 0 }' "$page" >"$scratch/blocks"
	# last block first, so that updates keep the earlier line numbers valid
	sort -rn "$scratch/blocks" | while read -r start end; do
		cmd=$(sed -n "${start}p" "$page" | unroff | sed 's/^\$ //')
		case $cmd in
		*"xenpt version"* | *"xenpt --json version"* | *"xenpt -j version"*)
			printf '%s\n' "ok - $name: '$cmd' # skip: depends on the build"
			continue ;;
		esac
		missing=
		for f in $(printf '%s\n' "$cmd" | grep -o 'core:[^ ;|]*\|synth:[^ ;|]*' | sed 's/^[a-z]*://'); do
			[ -e "$scratch/$f" ] || missing="$missing $f"
		done
		if [ -n "$missing" ]; then
			printf '%s\n' "ok - $name: '$cmd' # skip: no$missing"
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
		sed -n "$((start + 1)),$((end - 1))p" "$page" | unroff >"$scratch/shown"
		if cmp -s "$scratch/shown" "$scratch/actual"; then
			printf '%s\n' "ok - $name: EXAMPLES '$cmd' shows its real output"
		else
			printf '%s\n' "not ok - $name: EXAMPLES '$cmd' shows its real output"
			diff -u "$scratch/shown" "$scratch/actual" | sed -n '3,14s/^/#   /p'
			printf '%s\n' "#   (tests/lint/man-examples.sh update $page rewrites it)"
			echo fail >>"$scratch/failed"
		fi
	done
done
[ ! -s "$scratch/failed" ]
