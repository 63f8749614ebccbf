#!/bin/sh
test_description='audit: each finding kind, exactly (code, frame, level, index, target), on hostile synthetic domains'
. "$(dirname "$0")/lib.sh"
F=tests/fixtures
need $F/audit-wrong-type.synth $F/audit-rw-table.synth $F/audit-linear.synth $F/audit-pin.synth \
	$F/audit-mismatch.synth $F/pv-disallowed.synth $F/pv-cycle.synth $F/pv-badmfn.synth

mfn() { xenpt -j p2m --pfn "$2" "$1" | jq -r '.lookups[0].mfn'; }
root() { printf '0x%x' $(( $(xenpt -j vcpu "$1" 0 | jq -r '.[0].cr3') >> 12 )); }
# the frame named by the L4 entry translating VA (the walker's reading of the tables)
l4next() { xenpt -j walk "$1" "$2" | jq -r '.levels[0].next_mfn'; }
# table frame of level L on the walk of VA
table() { xenpt -j walk "$1" "$2" | jq -r ".levels[] | select(.level == $3) | .table_mfn"; }
F5='[.findings[] | [.code, .mfn, .level, .index, .target]]'

T=synth:$F/audit-wrong-type.synth
expect_code 1 xenpt audit "$T"
expect_jq -s 1 "$F5 == [[\"wrong-type-child\", \"$(mfn $T 0x201)\", 2, 1, \"$(root $T)\"]]
	and .findings[0].target_type == \"l4\"" xenpt -j audit "$T"
expect_cmp -s 1 audit-wrong-type.txt xenpt audit "$T"

T=synth:$F/audit-rw-table.synth
expect_jq -s 1 "$F5 == [[\"rw-table-mapping\", \"$(mfn $T 0x202)\", 1, 6, \"$(mfn $T 0x202)\"]]
	and .findings[0].xen_type == \"l1\"" xenpt -j audit "$T"

T=synth:$F/audit-pin.synth
expect_jq -s 1 "$F5 == [[\"wrong-type-child\", \"$(root $T)\", 4, 1, \"$(mfn $T 0x203)\"],
	[\"pin-wrong-type\", \"$(mfn $T 0x203)\", 2, null, null]]" xenpt -j audit "$T"

T=synth:$F/audit-mismatch.synth
t1=$(l4next "$T" 0x8000000000)
expect_jq -s 1 "$F5 == [[\"type-mismatch\", \"$t1\", 3, null, null], [\"count-below-holders\", \"$t1\", 3, null, null]]
	and .findings[0].xen_type == \"none\"" xenpt -j audit "$T"

T=synth:$F/audit-linear.synth
other=$(l4next "$T" 0x8000000000)
third=$(xenpt -j walk "$T" 0x10000000000 | jq -r '.levels[0].entry')
third=$(printf '0x%x' $(( (third >> 12) & 0xffffffffff )))
expect_jq -s 1 "$F5 == [[\"linear-rw\", \"$(root $T)\", 4, 2, \"$third\"],
	[\"count-below-holders\", \"$third\", 4, null, null], [\"linear-chain\", \"$other\", 4, null, null]]" \
	xenpt -j audit "$T"

T=synth:$F/pv-disallowed.synth
expect_jq -s 1 "[.findings[] | [.code, .mfn, .level, .index]] == [
	[\"disallowed-flags\", \"$(table $T 0x401000 1)\", 1, 1],
	[\"disallowed-flags\", \"$(table $T 0x8000000000 3)\", 3, 0],
	[\"disallowed-flags\", \"$(table $T 0x40000000 2)\", 2, 0]]" xenpt -j audit "$T"

T=synth:$F/pv-cycle.synth
expect_jq -s 1 "$F5 == [[\"linear-rw\", \"$(table $T 0x8000000000 3)\", 3, 0, \"$(root $T)\"]]" xenpt -j audit "$T"

# a table beyond the host: never clean, exit 2
T=synth:$F/pv-badmfn.synth
expect_code 2 xenpt audit "$T"
expect_jq -s 2 '.incomplete and .finding_counts["unreadable-table"] == 1
	and .findings[0].mfn == "0x1000000"' xenpt -j audit "$T"
done_testing
