#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The drift linter (after bpftool's test_bpftool_synctypes.py): the binary's
# command table is the truth, and the man pages and shell completions must
# agree with it.  Run by `make check-lint` with $XENPT set to the binary; no
# Xen needed.
#
#   - every command of `xenpt __complete commands` has man/xenpt-CMD.1, is
#     listed in xenpt(1)'s COMMANDS and SEE ALSO, and its page's NAME line
#     carries the summary `xenpt help` prints;
#   - a page's SYNOPSIS renders to exactly the usage line of `xenpt CMD --help`;
#   - every option of `xenpt __complete options CMD` is in that page's
#     OPTIONS, and OPTIONS documents no option the binary does not have;
#     xenpt(1)'s GLOBAL OPTIONS has the common ones;
#   - every page has the sections of style.md 2.8, in order, and EXAMPLES
#     runs the synthetic fixture both plain and with --json;
#   - no man/xenpt-*.1 page lacks a command;
#   - the completions ask the binary and hard-code no command or option list
#     that disagrees with it;
#   - `xenpt CMD --help` and `xenpt help CMD` work without Xen, exit 0 and
#     print the same text;
#   - every EXAMPLES block "$ COMMAND" shows COMMAND's real output
#     (tests/lint/man-examples.sh; its "update" mode rewrites them);
#   - `mandoc -Tlint -W warning` is clean on every page;
#   - lib/libxenpt.map lists the exported symbols one by one, and
#     $XENPT_BUILD/libxenpt.so and libxenpt.a agree with it
#     (tests/lint/symbols.sh; `make update-symbols` regenerates it);
#   - lib/ is layered by folder and cmd/ uses only the public headers
#     (tests/lint/layers.sh), and that lint fails on planted violations.
#   - lib/ has one hash table, lib/base/htab.[ch], and no open-coded one
#     (tests/lint/hashtables.sh, with its self-test on planted tables).
#
# Prints "ok"/"not ok" lines ("ok N - ... # SKIP REASON" for a check that
# cannot run here), then "lint: N passed, N failed, N skipped"; exits 1 on
# failure.  With $XENPT_RESULTS_DIR set, the totals and the skips
# (lint:<id><TAB>reason) go to lint.counts and lint.skips there.

set -u
export LC_ALL=C

top=$(cd "$(dirname "$0")/../.." && pwd)
XENPT=${XENPT:-$top/build/xenpt}
XENPT_BUILD=${XENPT_BUILD:-$top/build}
case $XENPT in /*) ;; *) XENPT=$(pwd)/$XENPT ;; esac
case $XENPT_BUILD in /*) ;; *) XENPT_BUILD=$(pwd)/$XENPT_BUILD ;; esac
man=$top/man
comp=$top/completions

pass=0
fail=0
skip=0
ok() { pass=$((pass + 1)); printf 'ok %d - %s\n' $((pass + fail + skip)) "$1"; }
not_ok() {
	fail=$((fail + 1))
	printf 'not ok %d - %s\n' $((pass + fail + skip)) "$1"
	shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
skips=$(mktemp)
skipped() { # skipped ID DESCRIPTION REASON: a check that cannot run here
	skip=$((skip + 1))
	printf 'ok %d - %s # SKIP %s\n' $((pass + fail + skip)) "$2" "$3"
	printf 'lint:%s\t%s\n' "$1" "$3" >>"$skips"
}
finish() {
	line="lint: $pass passed, $fail failed, $skip skipped"
	if [ -n "${XENPT_RESULTS_DIR:-}" ]; then
		mkdir -p "$XENPT_RESULTS_DIR"
		cp "$skips" "$XENPT_RESULTS_DIR/lint.skips"
		echo "$line" >"$XENPT_RESULTS_DIR/lint.counts"
	fi
	rm -f "$skips"
	echo "$line"
	[ "$fail" -eq 0 ]
	exit $?
}
check() { # check DESCRIPTION CONDITION-STATUS [DETAIL...]
	d=$1 st=$2
	shift 2
	if [ "$st" -eq 0 ]; then ok "$d"; else not_ok "$d" "$@"; fi
}

if [ ! -x "$XENPT" ]; then
	echo "sync.sh: $XENPT is not executable (set XENPT)" >&2
	not_ok "$XENPT is executable"
	finish
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# ---- what the binary says ---------------------------------------------------
cmds=$("$XENPT" __complete commands 2>"$tmp/err")
check "xenpt __complete commands lists commands" "$([ -n "$cmds" ]; echo $?)" "$(cat "$tmp/err")"
common=$("$XENPT" __complete options help 2>/dev/null)

# The text of one section of a roff page: from ".SH NAME" to the next .SH.
section() { # section FILE NAME
	awk -v want="$2" '
		/^\.SH / { s = $0; sub(/^\.SH +/, "", s); gsub(/"/, "", s); on = (s == want); next }
		on { print }' "$1"
}
# Long options named in the tag lines (the line after .TP/.TQ) of a section.
tag_options() { # tag_options FILE SECTION
	section "$1" "$2" | awk '
		/^\.(TP|TQ)/ { tag = 1; next }
		tag { print; tag = 0 }' |
		sed 's/\\-/-/g' | grep -o -- '--[a-z0-9][a-z0-9-]*' | sort -u
}
# Render a page to plain text, wide, without overstrike.
render() { mandoc -Tascii -O width=300 "$1" 2>/dev/null | sed 's/.\x08//g'; }
squeeze() { tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//'; }

# ---- per command ------------------------------------------------------------
for c in $cmds; do
	page=$man/xenpt-$c.1

	if [ ! -f "$page" ]; then
		not_ok "$c: man/xenpt-$c.1 exists"
		continue
	fi
	ok "$c: man/xenpt-$c.1 exists"

	# --help works with no Xen, exits 0, and agrees with `help CMD`
	"$XENPT" "$c" --help >"$tmp/help" 2>"$tmp/err"
	st=$?
	check "$c: 'xenpt $c --help' exits 0 without Xen" "$st" "exit $st: $(head -n 3 "$tmp/err")"
	"$XENPT" help "$c" >"$tmp/help2" 2>"$tmp/err"
	st=$?
	check "$c: 'xenpt help $c' exits 0" "$st" "exit $st: $(head -n 3 "$tmp/err")"
	if [ ! -s "$tmp/help" ]; then cp "$tmp/help2" "$tmp/help"; fi
	cmp -s "$tmp/help" "$tmp/help2"
	check "$c: 'xenpt $c --help' and 'xenpt help $c' print the same" $? \
		"$(diff "$tmp/help" "$tmp/help2" | head -n 5)"

	# SYNOPSIS == the usage line
	usage=$(sed -n '1s/^usage: //p' "$tmp/help2" | squeeze)
	synopsis=$(render "$page" | awk '/^SYNOPSIS/ { on = 1; next } on && /^[A-Z]/ { exit }
		on && /^ *$/ && seen { exit } on && NF { seen = 1; print }' | squeeze)
	[ -n "$usage" ] && [ "$usage" = "$synopsis" ]
	check "$c: SYNOPSIS is the usage line" $? "usage:    $usage" "SYNOPSIS: $synopsis"

	# NAME carries the table's summary
	summary=$("$XENPT" help 2>/dev/null | sed -n "s/^  $c  *//p")
	name=$(section "$page" NAME | sed 's/\\-/-/g' | squeeze)
	[ "$name" = "xenpt-$c - $summary" ]
	check "$c: NAME is 'xenpt-$c - <summary from xenpt help>'" $? \
		"expected: xenpt-$c - $summary" "page:     $name"

	# .TH matches the file
	th=$(sed -n 's/\\-/-/g; s/^\.TH  *\([^ ]*\) \([0-9]\).*/\1(\2)/p' "$page")
	up=$(echo "xenpt-$c" | tr a-z A-Z)
	[ "$th" = "$up(1)" ]
	check "$c: .TH is $up 1" $? "found: $th"

	# OPTIONS: exactly the binary's long options
	"$XENPT" __complete options "$c" 2>/dev/null | sort -u >"$tmp/want"
	tag_options "$page" OPTIONS >"$tmp/have"
	missing=$(comm -23 "$tmp/want" "$tmp/have" | tr '\n' ' ')
	extra=$(comm -13 "$tmp/want" "$tmp/have" | tr '\n' ' ')
	[ -s "$tmp/want" ] && [ -z "$missing" ]
	check "$c: OPTIONS documents every option of '__complete options $c'" $? "missing: $missing"
	[ -z "$extra" ]
	check "$c: OPTIONS documents no option the binary lacks" $? "extra: $extra"
	# and --help shows them too
	missing=
	for o in $(cat "$tmp/want"); do
		grep -q -- "$o\\b" "$tmp/help2" || missing="$missing $o"
	done
	[ -z "$missing" ]
	check "$c: '--help' shows every option" $? "missing:$missing"

	# sections, in order
	secs=$(sed -n 's/^\.SH  *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$page" | tr '\n' '|')
	[ "$secs" = "NAME|SYNOPSIS|DESCRIPTION|OPTIONS|OUTPUT|EXIT STATUS|EXAMPLES|SEE ALSO|" ]
	check "$c: sections NAME SYNOPSIS DESCRIPTION OPTIONS OUTPUT EXIT STATUS EXAMPLES SEE ALSO" $? \
		"found: $secs"

	# EXAMPLES: plain and JSON on the bundled fixture (commands without a
	# TARGET need only show themselves)
	ex=$(section "$page" EXAMPLES | sed 's/\\-/-/g')
	if sed -n 1p "$tmp/help2" | grep -q TARGET; then
		printf '%s\n' "$ex" | grep -q 'xenpt.* synth:tests/fixtures/' &&
			printf '%s\n' "$ex" | grep -E -q 'xenpt (-j|--json|--pretty|-p)|xenpt .*(--json|--pretty) '
		check "$c: EXAMPLES run synth:tests/fixtures/ plain and with --json" $?
	else
		printf '%s\n' "$ex" | grep -q "xenpt $c\\b\\|xenpt .* $c\\b"
		check "$c: EXAMPLES run 'xenpt $c'" $?
	fi
	! printf '%s\n' "$ex" | grep -q 'EXAMPLES_HERE'
	check "$c: EXAMPLES filled in" $?

	# xenpt(1) lists it
	section "$man/xenpt.1" COMMANDS | awk '/^\.TP/ { getline; print }' | grep -q "^\\.B $c\$"
	check "$c: listed in xenpt(1) COMMANDS" $?
	section "$man/xenpt.1" "SEE ALSO" | grep -q "^\\.BR xenpt\\\\-$c (1)"
	check "$c: in xenpt(1) SEE ALSO" $?
done

# ---- pages without a command --------------------------------------------------
for page in "$man"/xenpt-*.1; do
	[ -f "$page" ] || continue
	c=${page##*/xenpt-}
	c=${c%.1}
	printf '%s\n' "$cmds" | grep -qx "$c"
	check "man/xenpt-$c.1 belongs to a command" $? "'xenpt __complete commands' has no '$c'"
done
# COMMANDS in xenpt(1) names no command the binary lacks
for c in $(section "$man/xenpt.1" COMMANDS | awk '/^\.TP/ { getline; print }' | sed -n 's/^\.B //p'); do
	printf '%s\n' "$cmds" | grep -qx "$c"
	check "xenpt(1) COMMANDS entry '$c' is a command" $?
done

# ---- xenpt(1) ------------------------------------------------------------------
tag_options "$man/xenpt.1" "GLOBAL OPTIONS" >"$tmp/have"
missing=
for o in $common --version; do
	grep -qx -- "$o" "$tmp/have" || missing="$missing $o"
done
[ -z "$missing" ]
check "xenpt(1) GLOBAL OPTIONS has the common options and --version" $? "missing:$missing"
sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' "$man/xenpt.1" | grep -q 'core:'
check "xenpt(1) SYNOPSIS has the TARGET grammar" $?
"$XENPT" --help >"$tmp/top" 2>&1
st=$?
missing=
for c in $cmds; do grep -q "^  $c " "$tmp/top" || missing="$missing $c"; done
[ $st -eq 0 ] && [ -z "$missing" ]
check "'xenpt --help' exits 0 and lists every command" $? "exit $st, missing:$missing"

# ---- completions ---------------------------------------------------------------
for f in "$comp/xenpt.bash" "$comp/_xenpt"; do
	name=${f#"$top"/}
	if [ ! -f "$f" ]; then
		not_ok "$name exists"
		continue
	fi
	ok "$name exists"
	code=$(sed 's/#.*//' "$f")
	for q in 'commands' 'options' 'targets'; do
		printf '%s\n' "$code" | grep -q "__complete $q"
		check "$name asks 'xenpt __complete $q'" $?
	done
	# a line naming three or more commands (options aside) is a hard-coded
	# list: it must name all of them
	bad=
	while IFS= read -r line; do
		line=$(printf '%s\n' "$line" | sed 's/--[a-z][a-z0-9-]*//g')
		n=0
		for c in $cmds; do
			printf '%s\n' "$line" | grep -q "\\b$c\\b" && n=$((n + 1))
		done
		if [ "$n" -ge 3 ]; then
			for c in $cmds; do
				printf '%s\n' "$line" | grep -q "\\b$c\\b" || bad="$bad [$line]"
			done
		fi
	done <<EOF
$code
EOF
	[ -z "$bad" ]
	check "$name has no command list that disagrees with the binary" $? "$bad"
	# every --option it names is one the binary has
	"$XENPT" __complete commands 2>/dev/null | while read -r c; do
		"$XENPT" __complete options "$c"
	done | sort -u >"$tmp/allopts"
	echo --version >>"$tmp/allopts"
	bad=
	for o in $(printf '%s\n' "$code" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
		grep -qx -- "$o" "$tmp/allopts" || bad="$bad $o"
	done
	[ -z "$bad" ]
	check "$name names no option the binary lacks" $? "unknown:$bad"
done
bash -n "$comp/xenpt.bash" 2>"$tmp/err"
check "completions/xenpt.bash parses (bash -n)" $? "$(cat "$tmp/err")"
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$comp/_xenpt" 2>"$tmp/err"
	check "completions/_xenpt parses (zsh -n)" $? "$(cat "$tmp/err")"
else
	skipped zsh-parse "completions/_xenpt parses (zsh -n)" "zsh not installed (apt-get install zsh)"
fi

# ---- every JSON key is documented ---------------------------------------------------
# Sample runs: each page's EXAMPLES commands that ask for JSON (up to a pipe),
# plus these, which reach keys the examples do not (HVM, --all, errors of a
# walk, other read spaces).  A key counts as documented when its name
# appears in the page's OUTPUT section.
extra_samples() {
	cat <<'EOS'
info xenpt -j info synth:tests/fixtures/hvm-4level.synth
list xenpt -j list synth:tests/fixtures/hvm-4level.synth
vcpu xenpt -j vcpu --all synth:tests/fixtures/pv-linux.synth
vcpu xenpt -j vcpu synth:tests/fixtures/hvm-4level.synth
walk xenpt -j walk synth:tests/fixtures/hvm-4level.synth 0xffff888052345678
walk xenpt -j walk synth:tests/fixtures/pv-linux.synth 0x1000
walk xenpt -j walk synth:tests/fixtures/pv-linux.synth 0xffff800000000000
walk xenpt -j walk synth:tests/fixtures/pv-badmfn.synth 0x40000000
walk xenpt -j walk synth:tests/fixtures/pv-disallowed.synth 0x40000000
walk xenpt -j walk core:build/fixtures/xenlab-domu-pvh.core 0xffffffff81000000
dump xenpt -j dump synth:tests/fixtures/pv-disallowed.synth
dump xenpt -j dump --range 0x0-0x600000 synth:tests/fixtures/pv-shared-all-slots.synth
dump xenpt -j dump --range 0xffffffff81000000-0xffffffff81001000 core:build/fixtures/xenlab-domu-pvh.core
rmap xenpt -j rmap --pfn 0x200 synth:tests/fixtures/pv-disallowed.synth
read xenpt -j read core:build/fixtures/xenlab-domu-pvh.core 0xffffffff81000000 4
vcpu xenpt -j vcpu core:build/fixtures/xenlab-domu-pvh.core
read xenpt -j read --gfn 0x1300 synth:tests/fixtures/pv-linux.synth 16
read xenpt -j read --gfn 0x1000 synth:tests/fixtures/hvm-4level.synth 16
version xenpt -j version
EOS
}
run_dir=$tmp/run
mkdir -p "$run_dir/tests" "$run_dir/bin"
ln -s "$top/tests/fixtures" "$run_dir/tests/fixtures"
ln -s "$XENPT_BUILD" "$run_dir/build"
ln -s "$XENPT" "$run_dir/bin/xenpt"
for c in $cmds; do
	page=$man/xenpt-$c.1
	[ -f "$page" ] || continue
	{
		section "$page" EXAMPLES | sed -e 's/\\-/-/g' -e 's/\\e/\\/g' | sed -n 's/^\$ //p' |
			grep -E ' (-j|--json|-p|--pretty)( |$)' | sed 's/ *[|;].*//'
		extra_samples | sed -n "s/^$c //p"
	} >"$tmp/samples"
	: >"$tmp/keys"
	nsamples=0
	while IFS= read -r sample; do
		nsamples=$((nsamples + 1))
		(cd "$run_dir" && PATH=$run_dir/bin:$PATH sh -c "$sample" 2>/dev/null) |
			jq -r '[paths | map(select(type == "string")) | last | select(. != null)] | unique | .[]' \
			>>"$tmp/keys" 2>/dev/null
	done <"$tmp/samples"
	sort -u "$tmp/keys" -o "$tmp/keys"
	if [ "$nsamples" -eq 0 ]; then
		# no JSON example: then the command must have no JSON form, and say so
		section "$page" OUTPUT | sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' | tr '\n' ' ' |
			grep -q 'no JSON form'
		check "$c: no JSON example, and OUTPUT says there is no JSON form" $? \
			"add a --json example to EXAMPLES, or say 'There is no JSON form' in OUTPUT"
		continue
	fi
	section "$page" OUTPUT | sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' >"$tmp/output"
	missing=
	for k in $(cat "$tmp/keys"); do
		grep -q -w -- "$k" "$tmp/output" || missing="$missing $k"
	done
	[ -s "$tmp/keys" ] && [ -z "$missing" ]
	check "$c: OUTPUT documents every JSON key ($nsamples sample runs, $(wc -l <"$tmp/keys") keys)" $? \
		"undocumented:$missing"
done

# ---- EXAMPLES are real runs ---------------------------------------------------------
XENPT=$XENPT XENPT_BUILD=$XENPT_BUILD XENPT_RESULTS_DIR=$tmp/ex-results \
	sh "$top/tests/lint/man-examples.sh" check "$man"/*.1 >"$tmp/ex" 2>&1
ex_status=$?
while IFS= read -r line; do
	case $line in
	"ok - "*" # SKIP "*) ;;       # counted from its skips file below
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) fail=$((fail + 1)); printf 'not ok %d - %s\n' $((pass + fail + skip)) "${line#not ok - }" ;;
	"man-examples: "*) printf '# %s\n' "$line" ;;
	*) printf '%s\n' "$line" ;;
	esac
done <"$tmp/ex"

if [ -f "$tmp/ex-results/man-examples.skips" ]; then
	while IFS='	' read -r id reason; do
		skip=$((skip + 1))
		printf 'ok %d - %s # SKIP %s\n' $((pass + fail + skip)) "${id#lint:}" "$reason"
		printf '%s\t%s\n' "$id" "$reason" >>"$skips"
	done <"$tmp/ex-results/man-examples.skips"
else
	not_ok "man-examples.sh ran to its end (exit $ex_status)"
fi

# ---- exported symbols -------------------------------------------------------------
for mode in check selftest; do
	sh "$top/tests/lint/symbols.sh" $mode "$XENPT_BUILD/libxenpt.a" "$XENPT_BUILD/libxenpt.so" \
		"$top/lib/libxenpt.map" >"$tmp/sym" 2>&1
	sym_status=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) fail=$((fail + 1)); printf 'not ok %d - %s\n' $((pass + fail + skip)) "${line#not ok - }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$tmp/sym"
	[ "$sym_status" -eq 0 ] || grep -q '^not ok' "$tmp/sym" || not_ok "tests/lint/symbols.sh $mode ran (exit $sym_status)" "$(cat "$tmp/sym")"
done

# ---- layers ------------------------------------------------------------------------
# lib/ by layer, each using only the ones below it; cmd/ only the public
# headers (tests/lint/layers.sh), and its self-test: the lint fails on
# planted violations.
for mode in check selftest; do
	sh "$top/tests/lint/layers.sh" $mode "$top" "$XENPT_BUILD/obj/lib" >"$tmp/layers" 2>&1
	lay_status=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) fail=$((fail + 1)); printf 'not ok %d - %s\n' $((pass + fail + skip)) "${line#not ok - }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$tmp/layers"
	[ "$lay_status" -eq 0 ] || grep -q '^not ok' "$tmp/layers" ||
		not_ok "tests/lint/layers.sh $mode ran (exit $lay_status)" "$(cat "$tmp/layers")"
done

# ---- hash tables -------------------------------------------------------------------
# One hash table in lib/ (lib/base/htab.[ch]); no open-coded one elsewhere
# (tests/lint/hashtables.sh), and its self-test: the guard fires on planted tables.
for mode in check selftest; do
	sh "$top/tests/lint/hashtables.sh" $mode "$top" >"$tmp/htab" 2>&1
	ht_status=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) fail=$((fail + 1)); printf 'not ok %d - %s\n' $((pass + fail + skip)) "${line#not ok - }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$tmp/htab"
	[ "$ht_status" -eq 0 ] || grep -q '^not ok' "$tmp/htab" ||
		not_ok "tests/lint/hashtables.sh $mode ran (exit $ht_status)" "$(cat "$tmp/htab")"
done

# ---- README example sessions ------------------------------------------------------
# Every `$ xenpt ...` block of README.md must be real output of its command
# (tests/install/readme-examples.py: shown lines in order, '...' for elisions).
out=$(XENPT_BUILD=$XENPT_BUILD python3 "$top/tests/install/readme-examples.py" 2>&1)
check "README.md example sessions match the real output" $? "$out"

# ---- mandoc ---------------------------------------------------------------------
if command -v mandoc >/dev/null 2>&1; then
	for page in "$man"/*.[1-8]; do
		[ -f "$page" ] || continue
		out=$(mandoc -Tlint -W warning "$page" 2>&1)
		st=$?
		[ $st -eq 0 ] && [ -z "$out" ]
		check "mandoc -Tlint -W warning ${page#"$top"/}" $? "$out"
	done
else
	not_ok "mandoc is installed (apt-get install mandoc)"
fi

finish
