#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The exported symbols of libxenpt are listed one by one in lib/libxenpt.map
# (the linker version script).  This script keeps that list honest:
#
#   symbols.sh check LIBA LIBSO MAP   "ok"/"not ok" lines, exit 1 on a difference
#   symbols.sh update LIBA MAP        rewrite MAP's global: list
#
# or, from the top of the tree, `make update-symbols` (regenerates
# lib/libxenpt.map from build/libxenpt.a; review the diff, it is the ABI).
#
# The public functions are the defined GLOBAL DEFAULT-visibility symbols of
# the library's objects (XENPT_PUBLIC, lib/base/base.h; everything else is
# built -fvisibility=hidden).  check fails when
#   - LIBSO exports a symbol that MAP does not list, or MAP lists one that
#     LIBSO does not export (`nm -D --defined-only`): an export appeared or
#     disappeared without the list changing;
#   - a public function of LIBA is not in MAP (the linker would hide it
#     silently), or MAP lists one that is no longer public.
# tests/lint/sync.sh runs the check as part of `make check-lint`.

set -u
export LC_ALL=C
mode=$1
shift

regen="run 'make update-symbols' (or: sh tests/lint/symbols.sh update build/libxenpt.a lib/libxenpt.map) and review the diff of lib/libxenpt.map"

# the symbols MAP lists in its global: section
map_symbols() {
	awk '/global:/ { on = 1; next } /local:/ { on = 0 } on' "$1" |
		sed 's/#.*//; s|/\*.*\*/||g' | tr -d ' \t;' | grep -v '^$' | sort -u
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

case $mode in
update)
	liba=$1 map=$2
	syms=$(public_symbols "$liba")
	[ -n "$syms" ] || { echo "symbols.sh: no public symbols in $liba" >&2; exit 1; }
	{
		echo "/*"
		echo " * libxenpt ABI: the exported symbols, one by one; everything else is local."
		echo " * Generated from the XENPT_PUBLIC functions of build/libxenpt.a by"
		echo " * 'make update-symbols' (tests/lint/symbols.sh); 'make check-lint' fails"
		echo " * when the library and this list disagree."
		echo " */"
		echo "XENPT_0 {"
		echo "	global:"
		printf '%s\n' "$syms" | sed 's/^/		/; s/$/;/'
		echo "	local:"
		echo "		*;"
		echo "};"
	} >"$map.tmp" && mv "$map.tmp" "$map"
	echo "symbols.sh: $map lists $(printf '%s\n' "$syms" | wc -l) symbols"
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
	exit $st
	;;
*)
	echo "usage: symbols.sh check LIBA LIBSO MAP | update LIBA MAP" >&2
	exit 2
	;;
esac
