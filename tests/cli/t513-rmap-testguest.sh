#!/bin/sh
test_description='rmap on the real dump-core of the project PV test guest: its L4, and a table it linked in itself'
. "$(dirname "$0")/lib.sh"
need build/fixtures/xenpt-testguest.core
G=core:build/fixtures/xenpt-testguest.core

# Facts from the guest's console (tests/fixtures/xenpt-testguest.README):
# l4_mfn 0x40426 mapped at pt_base 0xffffffff80026000; the guest built an
# L1 table at mfn 0x40000 (pfn 0x400) for va 0xffffffffa0000000 and linked
# it into entry 256 of the L2 at mfn 0x40428.
expect_cmp rmap-testguest.txt xenpt rmap --mfn 0x40426 --mfn 0x40000 "$G"
expect_jq '.queries[0] | .roots == ["vCPU 0 kernel L4"] and ([.references[] | select(.kind == "xen_slot") | .index] == [258])
	and ([.references[] | select(.kind == "leaf") | .vas[0] | [.va, .writable]] == [["0xffffffff80026000", false]])' \
	xenpt -j rmap --mfn 0x40426 "$G"
expect_jq '.queries[0] | .pfn == "0x400" and .table_level == 1
	and ([.references[] | select(.kind == "table") | [.table_mfn, .index, .level, .vas[0].va]]
	     == [["0x40428", 256, 2, "0xffffffffa0000000"]])' xenpt -j rmap --mfn 0x40000 "$G"
done_testing
