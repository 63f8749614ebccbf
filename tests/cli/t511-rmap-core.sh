#!/bin/sh
test_description='rmap on the real dump-core: the pinned L4 and Xen slot 258, a shared L1, kernel text, against xen-mfndump'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE"

# Facts (t201, the xen-mfndump listing): vCPU 0's CR3 is mfn 0x53d9a, pfn
# 0x699a, a pinned L4 (type 0xc).  Xen writes its linear page-table self
# map into L4 slot 258 of every L4 it validates (init_xen_l4_slots() in
# xen/arch/x86/mm.c), so the L4 names itself there.  Linux maps it read-only
# in the direct map.  pfn 0x1000 ==> mfn 0x51c00 is kernel text; its L1
# (pfn 0x4a0e, type L1) is linked in by the L2s pfn 0x2a13 (direct map) and
# 0x2a16 (kernel text), both type L2 in the listing.
expect_cmp  rmap-core.txt   xenpt rmap --mfn 0x53d9a --pfn 0x1000 --pfn 0x4a0e "$CORE"
expect_json rmap-core.json  xenpt -j rmap --mfn 0x53d9a --pfn 0x1000 --pfn 0x4a0e "$CORE"
expect_jq '.queries[0] | .pfn == "0x699a" and .roots == ["vCPU 0 kernel L4"] and .table_level == 4
	and ([.references[] | select(.kind == "xen_slot") | [.table_mfn, .index, .vas[0].va]]
	     == [["0x53d9a", 258, "0xffff810000000000"]])
	and ([.references[] | select(.kind == "leaf") | .vas[0] | [.va, .writable]]
	     == [["0xffff88800699a000", false]])' xenpt -j rmap --mfn 0x53d9a "$CORE"
expect_jq '.queries[0] | .mfn == "0x51c00" and .count == 1 and .references[0].paths == 2
	and (.references[0].vas | map(.va)) == ["0xffff888001000000", "0xffffffff81000000"]
	and (.references[0].vas | map(.nx)) == [true, false]' xenpt -j rmap --pfn 0x1000 "$CORE"
expect_jq '[.queries[0].references[] | select(.kind == "table") | [.table_pfn, .index, .level]]
	== [["0x2a13", 8, 2], ["0x2a16", 8, 2]]' xenpt -j rmap --pfn 0x4a0e "$CORE"
# each table reference names a frame of the level xen-mfndump types it
need build/fixtures/xenlab-domu.mfndump-p2m.txt
for pfn in 0x2a12 0x2a13 0x2a15 0x2a16 0x4a06 0x4a0e 0x699a; do
	lv=$(xenpt -j rmap --pfn $pfn "$CORE" | jq -r '.queries[0].table_level')
	t=$(sed -n "s/^  pfn=$pfn ==> mfn=0x[0-9a-f]* (type 0x\([0-9a-f]\)).*$/\1/p" build/fixtures/xenlab-domu.mfndump-p2m.txt)
	expect_ok test "$lv" = $(( 0x$t & 7 ))
done
# the user L4 (pfn 0x6970, pinned L4) is the other root
expect_jq '.queries[0].roots == ["vCPU 0 user L4"]' xenpt -j rmap --pfn 0x6970 "$CORE"
# a root given by hand: another of the pinned L4s the listing shows
l4=$(sed -n 's/^  pfn=\(0x[0-9a-f]*\) ==> mfn=\(0x[0-9a-f]*\) (type 0xc).*$/\2/p' build/fixtures/xenlab-domu.mfndump-p2m.txt |
	grep -v -x -e 0x53d9a -e 0x53d70 | head -n 1)
expect_ok test -n "$l4"
expect_jq ".queries[0].roots == [\"cr3 $(printf '0x%x' $((l4 << 12)))\"]" \
	xenpt -j rmap --cr3 $((l4 << 12)) --mfn "$l4" "$CORE"
done_testing
