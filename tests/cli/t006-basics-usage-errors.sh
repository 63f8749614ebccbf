#!/bin/sh
test_description='usage errors of every command follow the output mode: one JSON error object on stdout under --json, stderr only otherwise; exit 2'
. "$(dirname "$0")/lib.sh"

# json_err CMD...: exit 2, and stdout is exactly one JSON document, an
# object whose only key is "error", with string code and message and a
# string (or no) hint.
json_err() {
	_run "$@"
	bad=0
	[ "$status" -eq 2 ] || bad=1
	[ "$(jq -s length <"$OUT" 2>/dev/null)" = 1 ] || bad=1
	jq -e '(keys == ["error"]) and (.error | type == "object")
	       and (.error.code | type == "string") and (.error.message | type == "string")
	       and (.error.message | length > 0)
	       and ((.error | has("hint") | not) or (.error.hint | type == "string"))
	       and ((.error | keys) - ["code", "message", "hint"] == [])' <"$OUT" >/dev/null 2>&1 || bad=1
	{ echo "exit $status; stdout:"; head -c 600 "$OUT"; echo; _show_err; } >"$TRASH/.detail"
	_report $bad "one JSON error object, exit 2: $*" <"$TRASH/.detail"
}

# human_err CMD...: exit 2, nothing on stdout, a message on stderr.
human_err() {
	_run "$@"
	bad=0
	[ "$status" -eq 2 ] || bad=1
	[ -s "$OUT" ] && bad=1
	[ -s "$ERR" ] || bad=1
	{ echo "exit $status; stdout:"; head -c 300 "$OUT"; echo; echo "stderr:"; _show_err; } >"$TRASH/.detail"
	_report $bad "stderr only, exit 2: $*" <"$TRASH/.detail"
}

# both CMD ARGS...: human mode, `xenpt --json CMD ARGS...` and `xenpt CMD --json ARGS...`
both() {
	cmd=$1
	shift
	human_err xenpt "$cmd" "$@"
	json_err xenpt --json "$cmd" "$@"
	json_err xenpt "$cmd" --json "$@"
}

T=$SYNTH_PV
# the rest of a valid command line after TARGET, and an option taking an argument
args_of() {
	case $1 in
	walk) echo 0xffffffff81000000 ;;
	read) echo 0xffffffff81000000 16 ;;
	rmap) echo --mfn 0x1 ;;
	*) ;;
	esac
}
argopt_of() {
	case $1 in
	walk | read | dump) echo --vcpu ;;
	rmap) echo --max-paths ;;
	p2m | m2p) echo --range ;;
	*) ;;
	esac
}

for c in list info vcpu walk dump rmap read p2m m2p; do
	a=$(args_of $c)
	# unknown long and short options
	both $c --no-such-option "$T" $a
	both $c -Z "$T" $a
	# an option's argument missing (at the end of the line)
	o=$(argopt_of $c)
	[ -n "$o" ] && both $c "$T" $a $o
	# an argument to an option that takes none
	both $c --pretty=yes "$T" $a
	# too many positionals
	both $c "$T" $a x1 x2 x3
	# unknown kinds of target: a kind without its colon, an unknown kind, a path
	both $c core $a
	both $c nosuch:thing $a
	both $c dir/guest.core $a
done
# too few positionals
for c in info vcpu walk dump rmap read p2m m2p; do
	both $c
done
both walk "$T"
both read "$T"
both rmap "$T"
# bad numbers
both walk "$T" not-a-va
both walk --vcpu x "$T" 0x1000
both read "$T" 0x1000 3X
both read "$T" 0x1000 0
both read --gfn 0xzz "$T"
both vcpu "$T" x
both dump --level 9 "$T"
both dump --max-lines -1 "$T"
both rmap --mfn nope "$T"
both rmap --max-paths 1x "$T"
both p2m --pfn 0x "$T"
both p2m --range 5-1 "$T"
both m2p --mfn -1 "$T"
# commands without TARGET
both help nosuch
both help a b
both version extra
both version --bogus
# the dispatcher: unknown and ambiguous commands, unknown global options, no command
human_err xenpt nope
json_err  xenpt --json nope
json_err  xenpt nope --json
json_err  xenpt -j v
json_err  xenpt v --pretty
json_err  xenpt --json --bogus
json_err  xenpt --bogus --json
json_err  xenpt --json
json_err  xenpt -p
human_err xenpt -x walk
# the messages name what is wrong, in both modes
expect_jq -s 2 '.error.message == "unrecognized option '"'"'--nope'"'"'"' xenpt -j walk --nope "$T" 0x1
expect_jq -s 2 '.error.message == "option '"'"'--vcpu'"'"' requires an argument"' xenpt -j walk "$T" 0x1 --vcpu
expect_jq -s 2 '.error.message == "option '"'"'-c'"'"' requires an argument"' xenpt -j walk "$T" 0x1 -c
expect_jq -s 2 '.error.message | startswith("option '"'"'--v'"'"' is ambiguous")' xenpt -j walk --v 1 "$T" 0x1
expect_jq -s 2 '.error.message == "no VA given"' xenpt -j walk "$T"
expect_jq -s 2 '.error.message == "no TARGET given"' xenpt -j dump
expect_jq -s 2 '.error.message == "unexpected argument '"'"'x2'"'"'"' xenpt -j walk "$T" 0x1 x2
expect_jq -s 2 '.error.message == "'"'"'v'"'"' is ambiguous: vcpu version"' xenpt -j v
expect_jq -s 2 '.error.message == "unknown command '"'"'nope'"'"'" and (.error.hint | test("xenpt help"))' xenpt -j nope
# unknown kinds of target: the hint lists the kinds, from the library's table
expect_jq -s 2 '.error.code == "invalid_arg" and .error.message == "target '"'"'core'"'"' is a kind of target without its file" and .error.hint == "write core:FILE"' \
	xenpt -j info core
expect_jq -s 2 '(.error.message | test("unknown kind of target .nosuch:.")) and (.error.hint | test("core:FILE.*synth:FILE.*DOMID[|]NAME"))' \
	xenpt -j info nosuch:thing
expect_stderr 2 "^xenpt info: target 'synth' is a kind of target without its file$" xenpt info synth
expect_stderr 2 "^hint: write synth:FILE$" xenpt info synth
expect_stderr 2 "^hint: TARGET is core:FILE" xenpt info nosuch:x
done_testing
