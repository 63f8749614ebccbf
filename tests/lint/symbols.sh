#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The exported symbols of libxenpt are listed one by one in lib/libxenpt.map
# (the linker version script).  This script keeps that list honest:
#
#   symbols.sh check LIBA LIBSO MAP   "ok"/"not ok" lines, exit 1 on a difference
#   symbols.sh update LIBA MAP        rewrite MAP's global: lists
#   symbols.sh selftest LIBA LIBSO MAP  check fails on a misplaced symbol
#
# or, from the top of the tree, `make update-symbols` (regenerates
# lib/libxenpt.map from build/libxenpt.a; review the diff, it is the ABI).
#
# The public functions are the defined GLOBAL DEFAULT-visibility symbols of
# the library's objects (XENPT_PUBLIC, lib/base/base.h; everything else is
# built -fvisibility=hidden).
#
# Two version nodes.  XENPT_0 is the stable reader ABI.  XENPT_UNSTABLE_SYNTH
# holds what builds or mutates a model rather than reads a domain, and may
# change in any release: every public symbol defined in lib/synth/ (the
# objects under obj/lib/synth/ next to LIBA), and every function declared in
# one of the UNSTABLE_HEADERS below (include/xenpt/synth.h: its source
# adapter and core writer live in lib/source/synth_source.c).  A public
# header of new model mutators is added to UNSTABLE_HEADERS.
#
# check fails when
#   - LIBSO exports a symbol that MAP does not list, or MAP lists one that
#     LIBSO does not export (`nm -D --defined-only`): an export appeared or
#     disappeared without the list changing;
#   - a public function of LIBA is not in MAP (the linker would hide it
#     silently), or MAP lists one that is no longer public;
#   - a symbol is in the wrong version node (MAP, or LIBSO's versions).
# tests/lint/sync.sh runs the check as part of `make check-lint`.

set -u
export LC_ALL=C
mode=$1
shift

STABLE_NODE=XENPT_0
UNSTABLE_NODE=XENPT_UNSTABLE_SYNTH
UNSTABLE_DIRS="synth"
UNSTABLE_HEADERS="include/xenpt/synth.h"
top=$(cd "$(dirname "$0")/../.." && pwd)

regen="run 'make update-symbols' (or: sh tests/lint/symbols.sh update build/libxenpt.a lib/libxenpt.map) and review the diff of lib/libxenpt.map"

# "NODE SYMBOL" for every symbol MAP lists in a global: section
map_nodes() {
	sed 's/#.*//; s|/\*.*\*/||g' "$1" | awk '
		/^[ \t]*\/?\*/ { next }                     # comment lines
		/^[ \t]*[A-Za-z_0-9]+[ \t]*\{/ { node = $1; sub(/\{.*/, "", node); on = 0; next }
		/\}/ { on = 0; next }
		/global:/ { on = 1; next }
		/local:/ { on = 0; next }
		on { gsub(/[ \t;]/, ""); if ($0 != "") print node, $0 }' | sort -u
}
# the symbols MAP lists in its global: sections
map_symbols() {
	map_nodes "$1" | awk '{ print $2 }' | sort -u
}
# the public functions and data of the library's objects
public_symbols() {
	readelf -sW "$1" | awk '$5 == "GLOBAL" && $6 == "DEFAULT" && $7 != "UND" && $8 != "" { print $8 }' |
		grep -v '^__' | sort -u
}
# what the shared library exports (without the version node)
exported_symbols() {
	nm -D --defined-only "$1" | awk '$2 != "A" { print $3 }' | sed 's/@.*//' | sort -u
}
# "NODE SYMBOL" for what the shared library exports
exported_nodes() {
	nm -D --defined-only "$1" | awk '$2 != "A" { print $3 }' | sed -n 's/^\([^@]*\)@@*\(.*\)$/\2 \1/p' | sort -u
}
# the symbols that belong to the unstable node: public symbols of the
# objects of $UNSTABLE_DIRS (next to LIBA: obj/lib/DIR/*.o), and functions
# declared in $UNSTABLE_HEADERS
unstable_symbols() {
	objdir=${1%/*}/obj/lib
	{
		for d in $UNSTABLE_DIRS; do
			for o in "$objdir/$d"/*.o; do
				[ -f "$o" ] || { echo "symbols.sh: no objects in $objdir/$d" >&2; exit 1; }
				public_symbols "$o"
			done
		done
		for h in $UNSTABLE_HEADERS; do
			# declarations start in column 0; comments with " *" do not
			grep -E '^[A-Za-z_]' "$top/$h" | grep -o '\bxenpt_[a-z0-9_]*(' | sed 's/($//'
		done
	} | sort -u
}
# "NODE SYMBOL" as the rule says, for the public symbols of LIBA
rule_nodes() {
	unstable_symbols "$1" >"$2.unstable" || return 1
	public_symbols "$1" | awk -v s="$STABLE_NODE" -v u="$UNSTABLE_NODE" '
		NR == FNR { uns[$1] = 1; next }
		{ print (($1 in uns) ? u : s), $1 }' "$2.unstable" - | sort -u
}

case $mode in
update)
	liba=$1 map=$2
	tmpu=$(mktemp)
	rule_nodes "$liba" "$tmpu" >"$tmpu.nodes" || { rm -f "$tmpu" "$tmpu".*; exit 1; }
	[ -s "$tmpu.nodes" ] || { echo "symbols.sh: no public symbols in $liba" >&2; rm -f "$tmpu" "$tmpu".*; exit 1; }
	{
		echo "/*"
		echo " * libxenpt ABI: the exported symbols, one by one; everything else is local."
		echo " * Generated from the XENPT_PUBLIC functions of build/libxenpt.a by"
		echo " * 'make update-symbols' (tests/lint/symbols.sh); 'make check-lint' fails"
		echo " * when the library and this list disagree."
		echo " *"
		echo " * $STABLE_NODE: the stable reader ABI.  $UNSTABLE_NODE: the synthetic-domain"
		echo " * builder and whatever mutates a model (lib/synth/, include/xenpt/synth.h);"
		echo " * not part of the stable ABI, it may change in any release."
		echo " */"
		echo "$STABLE_NODE {"
		echo "	global:"
		awk -v n="$STABLE_NODE" '$1 == n { print "\t\t" $2 ";" }' "$tmpu.nodes"
		echo "	local:"
		echo "		*;"
		echo "};"
		echo ""
		echo "$UNSTABLE_NODE {"
		echo "	global:"
		awk -v n="$UNSTABLE_NODE" '$1 == n { print "\t\t" $2 ";" }' "$tmpu.nodes"
		echo "} $STABLE_NODE;"
	} >"$map.tmp" && mv "$map.tmp" "$map"
	echo "symbols.sh: $map lists $(awk -v n="$STABLE_NODE" '$1 == n' "$tmpu.nodes" | wc -l) symbols in $STABLE_NODE, $(awk -v n="$UNSTABLE_NODE" '$1 == n' "$tmpu.nodes" | wc -l) in $UNSTABLE_NODE"
	rm -f "$tmpu" "$tmpu".*
	;;
check)
	liba=$1 libso=$2 map=$3
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT INT TERM
	map_symbols "$map" >"$tmp/map"
	if grep -q '[*?]' "$tmp/map"; then
		echo "not ok - ${map##*/} lists its symbols one by one (no wildcard): $(grep '[*?]' "$tmp/map" | tr '\n' ' ')"
		echo "#   $regen"
		exit 1
	fi
	echo "ok - ${map##*/} lists its symbols one by one ($(wc -l <"$tmp/map") symbols)"
	st=0
	exported_symbols "$libso" >"$tmp/so"
	if [ ! -s "$tmp/so" ]; then
		echo "not ok - ${libso##*/} exports the symbols of ${map##*/}: nm -D found none"
		exit 1
	fi
	if cmp -s "$tmp/map" "$tmp/so"; then
		echo "ok - ${libso##*/} exports exactly the symbols of ${map##*/}"
	else
		echo "not ok - ${libso##*/} exports exactly the symbols of ${map##*/}"
		comm -13 "$tmp/map" "$tmp/so" | sed 's/^/#   exported but not listed: /'
		comm -23 "$tmp/map" "$tmp/so" | sed 's/^/#   listed but not exported: /'
		echo "#   $regen"
		st=1
	fi
	public_symbols "$liba" >"$tmp/public"
	if cmp -s "$tmp/map" "$tmp/public"; then
		echo "ok - every public (XENPT_PUBLIC) symbol of ${liba##*/} is in ${map##*/}, and no other"
	else
		echo "not ok - every public (XENPT_PUBLIC) symbol of ${liba##*/} is in ${map##*/}, and no other"
		comm -13 "$tmp/map" "$tmp/public" | sed 's/^/#   public but not listed (hidden by the linker): /'
		comm -23 "$tmp/map" "$tmp/public" | sed 's/^/#   listed but not public: /'
		echo "#   $regen"
		st=1
	fi
	# the version nodes: the rule, the map and the shared library agree
	if ! rule_nodes "$liba" "$tmp/rule" >"$tmp/rule.nodes"; then
		echo "not ok - symbols are in their version node: cannot compute the rule"
		exit 1
	fi
	map_nodes "$map" >"$tmp/map.nodes"
	desc="the synthetic builder and model mutators (lib/synth/, include/xenpt/synth.h) are in $UNSTABLE_NODE, every other symbol in $STABLE_NODE"
	if ! grep -q "^$UNSTABLE_NODE " "$tmp/rule.nodes"; then
		echo "not ok - $desc: the rule finds no unstable symbol"
		st=1
	elif cmp -s "$tmp/map.nodes" "$tmp/rule.nodes"; then
		echo "ok - ${map##*/}: $desc ($(grep -c "^$UNSTABLE_NODE " "$tmp/map.nodes") unstable)"
	else
		echo "not ok - ${map##*/}: $desc"
		comm -13 "$tmp/map.nodes" "$tmp/rule.nodes" | sed 's/^/#   the rule wants: /'
		comm -23 "$tmp/map.nodes" "$tmp/rule.nodes" | sed 's/^/#   the map has:    /'
		echo "#   $regen"
		st=1
	fi
	exported_nodes "$libso" >"$tmp/so.nodes"
	if cmp -s "$tmp/so.nodes" "$tmp/map.nodes"; then
		echo "ok - ${libso##*/} exports each symbol with the version node of ${map##*/}"
	else
		echo "not ok - ${libso##*/} exports each symbol with the version node of ${map##*/}"
		comm -13 "$tmp/map.nodes" "$tmp/so.nodes" | sed 's/^/#   exported as: /'
		comm -23 "$tmp/map.nodes" "$tmp/so.nodes" | sed 's/^/#   listed as:   /'
		st=1
	fi
	exit $st
	;;
selftest)
	# check FAILS on a map with an unstable symbol in the stable node
	liba=$1 libso=$2 map=$3
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT INT TERM
	awk -v n="$STABLE_NODE" '
		$1 == n "{" || $1 == n { stable = 1 }
		stable && /global:/ { print; print "\t\txenpt_synth_create;"; stable = 0; next }
		/^[ \t]*xenpt_synth_create;/ { next }
		{ print }' "$map" >"$tmp/libxenpt.map"
	if sh "$0" check "$liba" "$libso" "$tmp/libxenpt.map" >"$tmp/out" 2>&1; then
		echo "not ok - symbols.sh check fails when xenpt_synth_create is moved into $STABLE_NODE"
		sed 's/^/#   /' "$tmp/out"
		exit 1
	elif ! grep -q "the map has:    $STABLE_NODE xenpt_synth_create" "$tmp/out"; then
		echo "not ok - symbols.sh check fails when xenpt_synth_create is moved into $STABLE_NODE, and names it"
		sed 's/^/#   /' "$tmp/out"
		exit 1
	fi
	echo "ok - symbols.sh check fails when xenpt_synth_create is moved into $STABLE_NODE"
	;;
*)
	echo "usage: symbols.sh check LIBA LIBSO MAP | selftest LIBA LIBSO MAP | update LIBA MAP" >&2
	exit 2
	;;
esac
