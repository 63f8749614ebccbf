#!/bin/sh
test_description='walk and read on the real PVH dump-core: 2M kernel pages, GFN-space tables, the oracle agrees'
. "$(dirname "$0")/lib.sh"
need "$CORE_PVH_FILE"

# Linux maps its kernel image with 2M pages when it runs on hardware paging
# (PVH), at the same 16 MiB as the PV guest: 0xffffffff81000000 -> gpaddr 0x1000000
expect_cmp  walk-core-pvh-ktext.txt   xenpt walk "$CORE_PVH" 0xffffffff81000000
expect_json walk-core-pvh-ktext.json  xenpt -j walk "$CORE_PVH" 0xffffffff81000000
expect_jq '.space == "gfn" and .page_size == 2097152 and .gpaddr == "0x1000000" and .gfn == "0x1000"
	and .mfn == null and (.levels | length) == 3 and .levels[2].leaf and (.user | not)' \
	xenpt -j walk "$CORE_PVH" 0xffffffff81000000
expect_jq '.page_size == 2097152 and .gpaddr == "0x11fffff" and .gfn == "0x11ff"' \
	xenpt -j walk "$CORE_PVH" 0xffffffff811fffff
# the direct map in 4K pages, not present, non-canonical; no Xen slots in HVM
expect_cmp  walk-core-pvh-directmap.txt  xenpt walk "$CORE_PVH" 0xffff888000000000
expect_cmp  walk-core-pvh-notpresent.txt xenpt walk "$CORE_PVH" 0x1000
expect_jq '.end == {"reason": "not_present", "level": 4}' xenpt -j walk "$CORE_PVH" 0xffff800000000000
expect_jq '.end.reason == "non_canonical"' xenpt -j walk "$CORE_PVH" 0x0000800000000000
expect_code 1 xenpt walk --strict "$CORE_PVH" 0x1000

# the marker: .xen_pages page of GFN 0x29e3, offset 0x3d4 (core-oracle.py find)
expect_cmp  read-core-pvh-marker.txt  xenpt read "$CORE_PVH" 0xffff8880029e33d0 48
printf 'XENLAB-DOMU-MARKER-' >marker
expect_bytes marker xenpt read --raw "$CORE_PVH" 0xffff8880029e33d4 19
expect_bytes marker sh -c '"$XENPT" read --raw --gfn 0x29e3 "$CORE_PVH" 0x3e7 | tail -c 19'

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed (the oracle part)"
oracle() { python3 "$TEST_DIR/core-oracle.py" "$CORE_PVH_FILE" "$@"; }
capture found through "jq -r .direct_map_va" oracle find XENLAB-DOMU-MARKER-
echo 0xffff8880029e33d4 >want
expect_same want found "the oracle finds the marker at the VA the test reads"
cr3=$(xenpt -j vcpu "$CORE_PVH" | jq -r '.[0].cr3')
vas="0xffffffff81000000 0xffffffff81a592eb 0xffffffff82000000 0xffffffff82a03e98 0xffff888000000000
0xffff888007a00000 0xffff8880029e33d4 0xffffc90000000000 0x1000 0xffff800000000000 0x7ffffffff000"
expect_ok test -n "$cr3" -a "$cr3" != null
walk_each() { for va; do through "jq -S -c ." xenpt -j walk "$CORE_PVH" "$va" || return 1; done; }
capture walk.oracle through "jq -S -c ." oracle walk --cr3 "$cr3" $vas
capture walk.xenpt walk_each $vas
expect_same walk.oracle walk.xenpt "walk: $(echo $vas | wc -w) addresses as the oracle walks them (GFN-space tables)"
done_testing
