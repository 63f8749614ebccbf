#!/bin/sh
test_description='audit on synthetic PV domains Xen accepts: clean, with the model'"'"'s exact counts'
. "$(dirname "$0")/lib.sh"
need tests/fixtures/pv-linux.synth tests/fixtures/audit-clean.synth tests/fixtures/pv-p2m-broken.synth
CLEAN=synth:tests/fixtures/audit-clean.synth

# MFNs from the model's P2M (p2m --pfn), never from the audit
mfn() { xenpt -j p2m --pfn "$2" "$1" | jq -r '.lookups[0].mfn'; }

# the Linux-like layout: clean, every table at its level, no unexplained reference
expect_cmp audit-linux.txt xenpt audit "$SYNTH_PV"
expect_jq '.findings_total == 0 and .types_known and .counts_known and (.incomplete | not)
	and .counters.unexplained_refs == 0 and .counters.vcpu_roots == 3
	and ([.types[] | select(.type == "seg_desc") | .rules_derive] == [2])' xenpt -j audit "$SYNTH_PV"
# the builder made 40 L1, 5 L2, 6 L3, 3 L4 (xenpt-synth(5) layout; dump --tables agrees)
expect_jq '[.types[0:4][] | .rules_derive] == [40, 5, 6, 3] and [.types[0:4][] | .xen_says] == [40, 5, 6, 3]' \
	xenpt -j audit "$SYNTH_PV"
expect_code 0 xenpt audit synth:tests/fixtures/pv-p2m-broken.synth

# audit-clean.synth: what Xen accepts (a shared L3, a self map, a read-only
# linear entry, a read-only mapping of an L1): clean, counts hand-derived
expect_code 0 xenpt audit "$CLEAN"
expect_jq '.findings_total == 0 and .counters.child_refs == 4 and .counters.self_refs == 1
	and .counters.linear_refs == 1 and .counters.map_rw == 4 and .counters.map_ro == 2
	and .counters.vcpu_roots == 2 and .counters.unexplained_refs == 0' xenpt -j audit "$CLEAN"
d=$(mfn "$CLEAN" 0x100)
l1=$(mfn "$CLEAN" 0x202)
l3=$(mfn "$CLEAN" 0x200)
# pfn 0x100: L1 entry 0 maps it RW, entry 4 RO: 1 writable type ref, 1 + 1 + 1 general
expect_jq ".frame | .derived == \"writable\" and .type_count_min == 1 and .general_count_min == 3
	and .type_count == 1 and .general_count == 3 and .unexplained == 0
	and ([.holders[] | [.kind, .table, .level, .index]] == [[\"map-rw\", \"$l1\", 1, 0], [\"map-ro\", \"$l1\", 1, 4]])" \
	xenpt -j audit --frame "$d" "$CLEAN"
# the L3 shared by both L4s: slot 0 of each
k=$(xenpt -j vcpu "$CLEAN" 0 | jq -r '.[0].cr3 | ltrimstr("0x")')
o=$(xenpt -j vcpu "$CLEAN" 1 | jq -r '.[0].cr3 | ltrimstr("0x")')
k=$(printf '0x%x' $((0x$k >> 12)))
o=$(printf '0x%x' $((0x$o >> 12)))
expect_jq ".frame | .derived == \"l3\" and .xen_type == \"l3\" and .type_count_min == 2 and .type_count == 2
	and ([.holders[] | [.kind, .table, .index]] == [[\"parent\", \"$k\", 0], [\"parent\", \"$o\", 0]])" \
	xenpt -j audit --frame "$l3" "$CLEAN"
# the other L4: pinned, vCPU 1's root, and the kernel L4's linear entry (slot 1)
expect_jq ".frame | .derived == \"l4\" and .type_count_min == 3 and .type_count == 3
	and ([.holders[] | [.kind, .table, .index, .vcpu]] == [[\"vcpu-root\", null, null, 1], [\"linear\", \"$k\", 1, null], [\"pin\", null, null, null]])" \
	xenpt -j audit --frame "$o" "$CLEAN"
expect_cmp audit-clean-frame.txt xenpt audit --frame "$l3" "$CLEAN"
# --no-types: the structure alone, still clean
expect_jq '(.types_known | not) and .findings_total == 0 and .types[0].xen_says == null' \
	xenpt -j audit --no-types "$CLEAN"
done_testing
