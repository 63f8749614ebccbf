#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The hash-table guard (issue 14): lib/ has ONE hash table, lib/base/htab.[ch]
# (keyed with a per-process secret, bounded probes).  A new open-coded table
# keyed by guest-controlled numbers would bring hash flooding back, so
#
#   hashtables.sh check TOP      "ok"/"not ok" lines, exit 1 on a finding
#   hashtables.sh selftest TOP   the check FAILS on planted tables
#
# check greps every lib/**/*.[ch] but lib/base/htab.[ch] for the shapes of
# an open-coded table:
#   probe    a linear-probe step: "(i + 1) & mask", "s + 1 == n ? 0 : s + 1"
#   array    a hash array or mask: "hash[", "->hash", ".hash", "hmask", "dedup_mask"
#   mixer    a multiplicative hash: "* 0x9e3779b97f4a7c15...) >>", the
#            murmur/splitmix finaliser constants 0xff51afd7ed558ccd, 0xc4ceb9fe1a85ec53
#   mixfold  a mixer's output masked to a table: "mix64(...) &", "hash64(...) &"
# except FILE PATTERN-ID pairs of tests/lint/hashtables.allow (bounded
# structures, with the reason).  tests/lint/sync.sh runs both modes.
set -u
export LC_ALL=C

IDENT='[A-Za-z_][A-Za-z0-9_>.-]*'
pattern() { # pattern ID: its extended regex
	case $1 in
	probe) printf '%s\n' "\\(\\s*$IDENT\\s*\\+\\s*1\\s*\\)\\s*&|\\+ 1 == $IDENT \\? 0 :" ;;
	array) printf '%s\n' '\bhash\s*\[|->hash\b|\.hash\b|\bhmask\b|\bdedup_mask\b' ;;
	mixer) printf '%s\n' '0x9e3779b97f4a7c15[uUlL]*\)* *>>|0xff51afd7ed558ccd|0xc4ceb9fe1a85ec53' ;;
	mixfold) printf '%s\n' '(mix64|hash64)\([^)]*\) *&' ;;
	esac
}
IDS="probe array mixer mixfold"

allowed() { # allowed TOP FILE ID
	grep -v '^#' "$1/tests/lint/hashtables.allow" 2>/dev/null | awk -v f="$2" -v i="$3" '$1 == f && $2 == i { found = 1 } END { exit !found }'
}

check() {
	ctop=$1
	cst=0
	found=0
	for f in $(cd "$ctop" && find lib -name '*.[ch]' | sort); do
		case $f in lib/base/htab.c|lib/base/htab.h) continue ;; esac
		for id in $IDS; do
			hits=$(grep -nE "$(pattern $id)" "$ctop/$f") || continue
			allowed "$ctop" "$f" "$id" && continue
			found=1
			echo "not ok - no open-coded hash table in lib/: $f ($id): use lib/base/htab.h, or allow a bounded structure in tests/lint/hashtables.allow"
			printf '%s\n' "$hits" | sed "s|^|#   $f:|"
			cst=1
		done
	done
	[ $found -eq 0 ] && echo "ok - no open-coded hash table in lib/ outside lib/base/htab.[ch] (allow-list: tests/lint/hashtables.allow)"
	return $cst
}

selftest() {
	top=$1
	st=0
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT INT TERM
	fresh() {
		rm -rf "$tmp/t"
		mkdir -p "$tmp/t/tests/lint"
		cp -R "$top/lib" "$tmp/t/"
		cp "$top/tests/lint/hashtables.allow" "$tmp/t/tests/lint/"
	}
	expect() { # expect DESC ID: check fails and names the planted file and pattern
		if check "$tmp/t" >"$tmp/out" 2>&1; then
			echo "not ok - hash-table guard fails on $1"
			sed 's/^/#   /' "$tmp/out"
			st=1
		elif ! grep -q "lib/view/planted.c ($2)" "$tmp/out"; then
			echo "not ok - hash-table guard fails on $1 and names it ($2)"
			sed 's/^/#   /' "$tmp/out"
			st=1
		else
			echo "ok - hash-table guard fails on $1"
		fi
	}
	fresh
	if check "$tmp/t" >"$tmp/out" 2>&1; then
		echo "ok - hash-table guard passes on an unmodified copy of lib/"
	else
		echo "not ok - hash-table guard passes on an unmodified copy of lib/"
		sed 's/^/#   /' "$tmp/out"
		st=1
	fi
	# the table the audit had before lib/base/htab.c
	fresh
	cat >"$tmp/t/lib/view/planted.c" <<'C'
static uint32_t find(const struct t *a, uint64_t frame)
{
	size_t h = (size_t)((frame * 0x9e3779b97f4a7c15ull) >> 20) & a->mask;

	while (a->slots[h] && a->keys[h] != frame)
		h = (h + 1) & a->mask;
	return a->slots[h];
}
C
	expect 'a planted multiplicative-hash table (lib/view/planted.c)' mixer
	expect 'its linear-probe step (lib/view/planted.c)' probe
	# a hash array with a wrap-around probe
	fresh
	cat >"$tmp/t/lib/view/planted.c" <<'C'
static uint32_t hash[1024];
static size_t slot(size_t s, size_t n) { return s + 1 == n ? 0 : s + 1; }
C
	expect 'a planted hash array (lib/view/planted.c)' array
	expect 'a planted wrap-around probe (lib/view/planted.c)' probe
	# a mixer folded onto a table
	fresh
	printf 'static size_t at(uint64_t k, size_t m) { return synth_mix64(k) & m; }\n' >"$tmp/t/lib/view/planted.c"
	expect 'a planted mixer folded to a table size (lib/view/planted.c)' mixfold
	# the allow-list is per file and pattern: xlate.c's mixer is allowed, a probe there is not
	fresh
	printf 'static size_t nx(size_t i, size_t mask) { return (i + 1) & mask; }\n' >>"$tmp/t/lib/walk/xlate.c"
	if check "$tmp/t" >"$tmp/out" 2>&1 || ! grep -q 'lib/walk/xlate.c (probe)' "$tmp/out"; then
		echo "not ok - hash-table guard fails on a probe loop in an allow-listed file (lib/walk/xlate.c)"
		sed 's/^/#   /' "$tmp/out"
		st=1
	else
		echo "ok - hash-table guard fails on a probe loop in an allow-listed file (lib/walk/xlate.c)"
	fi
	return $st
}

case ${1:-} in
check) shift; check "$@" ;;
selftest) shift; selftest "$@" ;;
*) echo "usage: hashtables.sh check TOP | selftest TOP" >&2; exit 2 ;;
esac
