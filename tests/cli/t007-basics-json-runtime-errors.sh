#!/bin/sh
test_description='runtime errors of every command under --json and --pretty: stdout is exactly one JSON value carrying .error (issue 15, item 2; usage errors are t006)'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE" "$CORE_PVH_FILE"

# one_json N FILTER CMD...: exit N, stdout is exactly one JSON value (the
# whole of it parses: no second document, nothing unterminated) and
# `jq -e FILTER` holds on it.
one_json() {
	want=$1 filter=$2
	shift 2
	_run "$@"
	bad=0
	[ "$status" -eq "$want" ] || bad=1
	[ "$(jq -s length <"$OUT" 2>/dev/null)" = 1 ] || bad=1
	jq -e "$filter" <"$OUT" >/dev/null 2>&1 || bad=1
	{ echo "exit $status (expected $want); jq -e '$filter'; stdout:"; head -c 800 "$OUT"; echo; _show_err; } >"$TRASH/.detail"
	_report $bad "one JSON value, exit $want: $*" <"$TRASH/.detail"
}

# An error object: code and message strings, a string hint if any.
ERROR='(.error | type == "object") and (.error.code | type == "string")
	and (.error.message | type == "string") and (.error.message | length > 0)
	and ((.error | has("hint") | not) or (.error.hint | type == "string"))'
# ... alone (nothing was begun before it)
ALONE="keys == [\"error\"] and $ERROR"

# err FILTER CMD ARGS...: under --json and --pretty, exit 2
err() {
	_f=$1
	shift
	_c=$1
	shift
	one_json 2 "$_f" xenpt --json "$_c" "$@"
	one_json 2 "$_f" xenpt --pretty "$_c" "$@"
}

# targets that cannot be opened: a core file that does not exist, the
# shipped core cut short, an absent domain id (live: no such domain, or no
# Xen here): every command
head -c 200000 "$CORE_FILE" >trunc.core
for t in core:nonexistent.core core:trunc.core 4242; do
	err "$ALONE" list "$t"
	err "$ALONE" info "$t"
	err "$ALONE" vcpu "$t"
	err "$ALONE" walk "$t" 0x1000
	err "$ALONE" read "$t" 0x1000
	err "$ALONE" dump "$t"
	err "$ALONE" rmap "$t" --pfn 1
	err "$ALONE" p2m "$t"
	err "$ALONE" m2p "$t"
done
one_json 2 '.error.code == "not_found"' xenpt --json info core:nonexistent.core
one_json 2 '.error.code == "bad_data"' xenpt --json info core:trunc.core

# a vCPU that does not exist
err "$ALONE and .error.code == \"not_found\"" vcpu "$CORE" 7
err "$ALONE and .error.code == \"not_found\"" walk --vcpu 7 "$CORE" 0x1000
err "$ALONE and .error.code == \"not_found\"" read --vcpu 7 "$CORE" 0x1000
err "$ALONE and .error.code == \"not_found\"" dump --vcpu 7 "$CORE"
err "$ALONE" vcpu "$CORE" 0x100000000

# unreadable frames and unmapped addresses
err "$ALONE and .error.code == \"fault\"" read "$CORE" --mfn 0xfffffffff
err "$ALONE and .error.code == \"fault\"" read "$CORE" --gfn 0xfffffffff
err "$ALONE and .error.code == \"fault\"" read "$CORE" 0x1000
# a read that starts mapped and runs into a hole (kernel text ends at 0xffffffff84600000)
err "$ALONE and .error.code == \"fault\"" read "$CORE" 0xffffffff845ff000 0x2000
err "$ALONE and .error.code == \"fault\"" read "$CORE" --gfn 0x7fff 0x2000

# paging modes and roots the guest does not have
err "$ALONE and .error.code == \"invalid_arg\"" dump --mode 2level "$CORE"
err "$ALONE and .error.code == \"invalid_arg\"" walk --user "$CORE_PVH" 0x1000
err "$ALONE and .error.code == \"invalid_arg\"" dump --user "$CORE_PVH"

# rmap queries that cannot be resolved: the document rmap began (source,
# roots, the index) ends with "queries" closed and the error as its key
RMAP="$ERROR and (.queries | type == \"array\") and (.source | type == \"string\") and (.roots | length > 0)"
err "$RMAP and .error.code == \"not_found\"" rmap "$CORE" --pfn 0xffffffffff
err "$RMAP and .error.code == \"not_found\"" rmap "$CORE" --mfn 0x53d9a --pfn 0xffffffffff
err "$RMAP and .error.code == \"unsupported\"" rmap "$CORE_PVH" --mfn 1

# P2M and M2P of a guest without one, a range beyond the P2M
err "$ALONE and .error.code == \"unsupported\"" p2m "$CORE_PVH"
err "$ALONE and .error.code == \"unsupported\"" m2p "$CORE_PVH"
err "$ALONE and .error.code == \"unsupported\"" p2m --check "$CORE_PVH"
err "$ALONE and .error.code == \"unsupported\"" m2p --check "$CORE_PVH"
err "$ALONE and .error.code == \"invalid_arg\"" p2m "$CORE" --range 0x100000-0x100010

# an empty core (no pages at all: the header's page count and both page
# sections 0): reads fail, rmap finds no frame
cp "$CORE_FILE" empty.core
python3 "$TEST_DIR/coreedit.py" empty empty.core
err "$ALONE and .error.code == \"fault\"" read core:empty.core --gfn 1
err "$ALONE and .error.code == \"fault\"" read core:empty.core 0x1000
err "$RMAP and .error.code == \"not_found\"" rmap core:empty.core --pfn 1
done_testing
