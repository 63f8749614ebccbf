#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The layering lint: lib/ is layered by folder, each layer using only itself
# and the layers below it (DESIGN.md, "Layers"), bottom to top:
#
#   base  xen  synth  source  walk  view
#
#   layers.sh check TOP [OBJDIR]   "ok"/"not ok" lines, exit 1 on a violation
#   layers.sh selftest TOP [OBJDIR]  the check FAILS on planted violations
#
# check fails when
#   - a file or folder sits directly in lib/ (other than lib/libxenpt.map),
#     or a folder of lib/ is not a layer;
#   - a quoted include of lib/LAYER/*.[ch] does not name an existing file
#     with its layer path ("walk/ptgraph.h", never "ptgraph.h" or "../x.h"),
#     or names a file of a higher layer;
#   - a file of cmd/ includes anything but <xenpt/...> public headers,
#     system headers and cmd/'s own headers ("out.h"): never lib/'s private
#     headers, quoted or as <walk/...>;
#   - with OBJDIR (the build's obj/lib), an object of a layer references a
#     symbol that an object of a higher layer defines (an upward call that
#     bypassed the headers, e.g. a hand-written extern declaration).
#
# tests/lint/sync.sh runs "check" and "selftest" for `make check-lint`.

set -u
export LC_ALL=C

LAYERS="base xen synth source walk view"

rank() { # rank LAYER: 0 for base ... 5 for view, empty if not a layer
	r=0
	for l in $LAYERS; do
		[ "$l" = "$1" ] && { echo $r; return; }
		r=$((r + 1))
	done
}

# the quoted or angle includes of a C file: "q NAME" / "a NAME" lines
includes() {
	sed -n 's/^[ \t]*#[ \t]*include[ \t]*"\([^"]*\)".*/q \1/p; s/^[ \t]*#[ \t]*include[ \t]*<\([^>]*\)>.*/a \1/p' "$1"
}

check() {
	ctop=$1 objdir=${2:-}
	cst=0
	# 1. nothing directly in lib/ but the version script; every folder a layer
	bad=
	for f in "$ctop"/lib/* "$ctop"/lib/.[!.]*; do
		[ -e "$f" ] || continue
		n=${f##*/}
		if [ -d "$f" ]; then
			[ -n "$(rank "$n")" ] || bad="$bad lib/$n/ (not a layer: $LAYERS)"
		elif [ "$n" != libxenpt.map ]; then
			bad="$bad lib/$n"
		fi
	done
	if [ -z "$bad" ]; then
		echo "ok - lib/ holds only the layer folders ($LAYERS) and libxenpt.map"
	else
		echo "not ok - lib/ holds only the layer folders ($LAYERS) and libxenpt.map"
		for b in $bad; do echo "#   misplaced: $b"; done
		cst=1
	fi
	# 2. the includes of each layer
	for l in $LAYERS; do
		r=$(rank "$l")
		out=
		for f in "$ctop"/lib/"$l"/*.[ch]; do
			[ -f "$f" ] || continue
			rel=lib/$l/${f##*/}
			while read -r kind inc; do
				case $kind in
				q)
					case $inc in
					*/*/* | ../* | ./* | /*)
						out="$out
$rel: \"$inc\": name a lib file as \"LAYER/FILE\"" ;;
					*/*)
						il=${inc%%/*}
						ir=$(rank "$il")
						if [ -z "$ir" ]; then
							out="$out
$rel: \"$inc\": $il is not a layer"
						elif [ ! -f "$ctop/lib/$inc" ]; then
							out="$out
$rel: \"$inc\": no such file lib/$inc"
						elif [ "$ir" -gt "$r" ]; then
							out="$out
$rel: \"$inc\": $il is above $l"
						fi ;;
					*)
						out="$out
$rel: \"$inc\": name a lib file with its layer path (\"LAYER/$inc\")" ;;
					esac ;;
				a)
					if [ -f "$ctop/lib/$inc" ]; then
						out="$out
$rel: <$inc>: include lib files as \"$inc\""
					fi ;;
				esac
			done <<EOF
$(includes "$f")
EOF
		done
		if [ -z "$out" ]; then
			echo "ok - lib/$l/ includes only $l/ and the layers below it"
		else
			echo "not ok - lib/$l/ includes only $l/ and the layers below it"
			printf '%s\n' "$out" | sed '/^$/d; s/^/#   /'
			cst=1
		fi
	done
	# 3. cmd/: public headers and its own
	out=
	for f in "$ctop"/cmd/*.[ch]; do
		[ -f "$f" ] || continue
		rel=cmd/${f##*/}
		while read -r kind inc; do
			case $kind in
			q)
				case $inc in
				*/*) out="$out
$rel: \"$inc\": cmd/ includes only <xenpt/...> and its own headers" ;;
				*) [ -f "$ctop/cmd/$inc" ] || out="$out
$rel: \"$inc\": no such file cmd/$inc" ;;
				esac ;;
			a)
				if [ -f "$ctop/lib/$inc" ]; then
					out="$out
$rel: <$inc>: a private lib header; cmd/ includes only <xenpt/...>"
				fi ;;
			esac
		done <<EOF
$(includes "$f")
EOF
	done
	if [ -z "$out" ]; then
		echo "ok - cmd/ includes only <xenpt/...> public headers, system headers and cmd/ headers"
	else
		echo "not ok - cmd/ includes only <xenpt/...> public headers, system headers and cmd/ headers"
		printf '%s\n' "$out" | sed '/^$/d; s/^/#   /'
		cst=1
	fi
	# 4. symbols: no object references a symbol defined in a higher layer
	if [ -n "$objdir" ]; then
		ctmp=$(mktemp -d)
		n=0
		for l in $LAYERS; do
			for o in "$objdir"/"$l"/*.o; do
				[ -f "$o" ] || continue
				n=$((n + 1))
				nm --defined-only "$o" | awk -v l="$l" -v r="$(rank "$l")" -v o="${o##*/}" \
					'$2 ~ /^[TDBRVW]$/ { print $3, r, l "/" o }' >>"$ctmp/defs"
				nm -u "$o" | awk -v l="$l" -v r="$(rank "$l")" -v o="${o##*/}" \
					'{ print $NF, r, l "/" o }' >>"$ctmp/uses"
			done
		done
		if [ "$n" -eq 0 ]; then
			echo "not ok - no lib object calls into a higher layer: no objects in $objdir"
			cst=1
		else
			out=$(awk 'NR == FNR { def[$1] = $2; by[$1] = $3; next }
				($1 in def) && def[$1] > $2 { print $3 " uses " $1 " of " by[$1] }' \
				"$ctmp/defs" "$ctmp/uses")
			if [ -z "$out" ]; then
				echo "ok - no lib object calls into a higher layer ($n objects)"
			else
				echo "not ok - no lib object calls into a higher layer ($n objects)"
				printf '%s\n' "$out" | sed 's/^/#   /'
				cst=1
			fi
		fi
		rm -rf "$ctmp"
	fi
	return $cst
}

# selftest TOP: on a copy of lib/ and cmd/, each planted violation makes
# check fail and names the file; the unmodified copy passes.
selftest() {
	top=$1
	st=0
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT INT TERM
	fresh() {
		rm -rf "$tmp/t"
		mkdir -p "$tmp/t"
		cp -R "$top/lib" "$top/cmd" "$tmp/t/"
	}
	# expect DESC PATTERN: check on $tmp/t fails and prints PATTERN
	expect() {
		if check "$tmp/t" >"$tmp/out" 2>&1; then
			echo "not ok - layering lint fails on $1"
			sed 's/^/#   /' "$tmp/out"
			st=1
		elif ! grep -q "$2" "$tmp/out"; then
			echo "not ok - layering lint fails on $1 and names it ($2)"
			sed 's/^/#   /' "$tmp/out"
			st=1
		else
			echo "ok - layering lint fails on $1"
		fi
	}
	fresh
	if check "$tmp/t" >"$tmp/out" 2>&1; then
		echo "ok - layering lint passes on an unmodified copy of lib/ and cmd/"
	else
		echo "not ok - layering lint passes on an unmodified copy of lib/ and cmd/"
		sed 's/^/#   /' "$tmp/out"
		st=1
	fi
	# an upward include: the PV rules (xen) reaching for the walker (walk)
	fresh
	printf '#include "walk/walk_priv.h"\n' >>"$tmp/t/lib/xen/pv.c"
	expect 'a planted upward include (lib/xen/pv.c: "walk/walk_priv.h")' \
		'lib/xen/pv.c: "walk/walk_priv.h": walk is above xen'
	# an include without its layer path
	fresh
	printf '#include "ptgraph.h"\n' >>"$tmp/t/lib/view/rmap.c"
	expect 'an include without its layer path (lib/view/rmap.c: "ptgraph.h")' \
		'lib/view/rmap.c: "ptgraph.h": name a lib file with its layer path'
	# a file directly in lib/
	fresh
	printf '/* flat */\n' >"$tmp/t/lib/stray.c"
	expect 'a file directly in lib/ (lib/stray.c)' 'misplaced: lib/stray.c'
	# cmd/ reaching into the library's private headers
	fresh
	printf '#include <walk/ptgraph.h>\n' >>"$tmp/t/cmd/xenpt.c"
	expect 'cmd/ including a private lib header (cmd/xenpt.c: <walk/ptgraph.h>)' \
		'cmd/xenpt.c: <walk/ptgraph.h>: a private lib header'
	fresh
	printf '#include "../lib/source/source_int.h"\n' >>"$tmp/t/cmd/xenpt.c"
	expect 'cmd/ including a lib header by path (cmd/xenpt.c: "../lib/source/source_int.h")' \
		'cmd/xenpt.c: "../lib/source/source_int.h": cmd/ includes only'
	# an upward call that bypasses the headers (a hand-written extern)
	if [ -n "${2:-}" ]; then
		fresh
		mkdir -p "$tmp/obj"
		cp -R "$2"/. "$tmp/obj/"
		printf 'extern void xenpt_rmap_destroy(void *);\nvoid planted(void *p);\nvoid planted(void *p) { xenpt_rmap_destroy(p); }\n' >"$tmp/planted.c"
		if ${CC:-cc} -c -o "$tmp/obj/xen/planted.o" "$tmp/planted.c" 2>"$tmp/out"; then
			if check "$tmp/t" "$tmp/obj" >"$tmp/out" 2>&1; then
				echo "not ok - layering lint fails on a planted upward call (xen/planted.o: xenpt_rmap_destroy of view/)"
				sed 's/^/#   /' "$tmp/out"
				st=1
			elif ! grep -q 'xen/planted.o uses xenpt_rmap_destroy of view/rmap.o' "$tmp/out"; then
				echo "not ok - layering lint fails on a planted upward call and names it"
				sed 's/^/#   /' "$tmp/out"
				st=1
			else
				echo "ok - layering lint fails on a planted upward call (xen/planted.o: xenpt_rmap_destroy of view/)"
			fi
		else
			echo "not ok - layering lint selftest compiles its planted object"
			sed 's/^/#   /' "$tmp/out"
			st=1
		fi
	fi
	rm -rf "$tmp"
	trap - EXIT INT TERM
	return $st
}

case ${1:-} in
check) shift; check "$@" ;;
selftest) shift; selftest "$@" ;;
*) echo "usage: layers.sh check TOP [OBJDIR] | selftest TOP [OBJDIR]" >&2; exit 2 ;;
esac
