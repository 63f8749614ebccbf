#!/bin/sh
test_description='walk on the synthetic HVM fixtures: 4K, 2M, 4M and 1G pages in 4-level, 5-level, PAE and 2-level paging'
. "$(dirname "$0")/lib.sh"
need tests/fixtures/hvm-4level.synth

# Facts are the fixtures' own map lines (tests/fixtures/hvm-*.synth): a VA
# inside a large page lands at (page's first GFN << 12) + (VA - page VA).
# hvm-4level: "map 0xffff888000000000 gfn=0 size=64M page=2m", "map
# 0xffff888040000000 gfn=0x40000 page=1g", kernel text 4K at gfn 0x1000,
# data at gfn 0x1100 with 0xffffffff81102000 unmapped, user text 0x400000.
expect_cmp  walk-hvm4-2m.txt   xenpt walk "$SYNTH_HVM4" 0xffff888000345678
expect_json walk-hvm4-2m.json  xenpt -j walk "$SYNTH_HVM4" 0xffff888000345678
expect_jq '.space == "gfn" and .page_size == 2097152 and .gfn == "0x345" and .gpaddr == "0x345678"
	and .levels[-1].level == 2 and .levels[-1].leaf and .writable and .nx and (.user | not)' \
	xenpt -j walk "$SYNTH_HVM4" 0xffff888000345678
expect_cmp  walk-hvm4-1g.txt   xenpt walk "$SYNTH_HVM4" 0xffff888052345678
expect_json walk-hvm4-1g.json  xenpt -j walk "$SYNTH_HVM4" 0xffff888052345678
expect_jq '.page_size == 1073741824 and .gfn == "0x52345" and .gpaddr == "0x52345678"
	and (.levels | length) == 2 and .levels[1].leaf' xenpt -j walk "$SYNTH_HVM4" 0xffff888052345678
# the last byte of the 1G page, and the first byte after it
expect_jq '.gpaddr == "0x7fffffff"' xenpt -j walk "$SYNTH_HVM4" 0xffff88807fffffff
expect_jq '.end.reason == "not_present"' xenpt -j walk "$SYNTH_HVM4" 0xffff888080000000
# the last 2M page of the 64 MiB and the gap before the 1G page
expect_jq '.page_size == 2097152 and .gpaddr == "0x3ffffff"' xenpt -j walk "$SYNTH_HVM4" 0xffff888003ffffff
expect_jq '.end == {"reason": "not_present", "level": 2}' xenpt -j walk "$SYNTH_HVM4" 0xffff888004000000
# 4K text, the data hole, a user page
expect_cmp  walk-hvm4-4k.txt   xenpt walk "$SYNTH_HVM4" 0xffffffff81000400
expect_jq '.page_size == 4096 and .gpaddr == "0x1000400" and (.nx | not) and (.writable | not)' \
	xenpt -j walk "$SYNTH_HVM4" 0xffffffff81000400
expect_cmp  walk-hvm4-hole.txt xenpt walk "$SYNTH_HVM4" 0xffffffff81102000
expect_jq '.end == {"reason": "not_present", "level": 1}' xenpt -j walk "$SYNTH_HVM4" 0xffffffff81102000
expect_jq '.gfn == "0x1103"' xenpt -j walk "$SYNTH_HVM4" 0xffffffff81103000
expect_jq '.gfn == "0x2001" and .user and (.writable | not)' xenpt -j walk "$SYNTH_HVM4" 0x401000
# HVM has no Xen slots: 0xffff800000000000 is an ordinary (here empty) slot
expect_jq '.end == {"reason": "not_present", "level": 4}' xenpt -j walk "$SYNTH_HVM4" 0xffff800000000000
expect_jq '.end.reason == "non_canonical"' xenpt -j walk "$SYNTH_HVM4" 0x00f0000000000000

# hvm-5level: 57-bit addresses; 0x00f0000000000000 is canonical (and mapped)
# only with LA57; the 2M/1G direct map at 0xff11000000000000
expect_cmp  walk-hvm5-user.txt  xenpt walk "$SYNTH_HVM5" 0x00f0000000000000
expect_jq '.mode == "5level" and (.levels | length) == 5 and .levels[0].level == 5
	and .gfn == "0x2000" and .user' xenpt -j walk "$SYNTH_HVM5" 0x00f0000000000000
expect_jq '.page_size == 1073741824 and .gpaddr == "0x40000123"' xenpt -j walk "$SYNTH_HVM5" 0xff11000040000123
expect_jq '.page_size == 2097152 and .gpaddr == "0x200000"' xenpt -j walk "$SYNTH_HVM5" 0xff11000000200000
expect_jq '.end == {"reason": "not_present", "level": 1}' xenpt -j walk "$SYNTH_HVM5" 0xffa0000000003000
expect_jq '.end.reason == "non_canonical"' xenpt -j walk "$SYNTH_HVM5" 0x0100000000000000

# hvm-pae: "map 0xc0000000 gfn=0 size=32M page=2m": 0xc0100000 is gpaddr 0x100000
expect_cmp  walk-hvmpae-2m.txt  xenpt walk "$SYNTH_HVMPAE" 0xc0100000
expect_json walk-hvmpae-2m.json xenpt -j walk "$SYNTH_HVMPAE" 0xc0100000
expect_jq '.mode == "pae" and .levels[0].index == 3 and .page_size == 2097152 and .gpaddr == "0x100000"' \
	xenpt -j walk "$SYNTH_HVMPAE" 0xc0100000
expect_jq '.end == {"reason": "not_present", "level": 1}' xenpt -j walk "$SYNTH_HVMPAE" 0xc4003000
expect_jq '.gfn == "0x5000" and .user' xenpt -j walk "$SYNTH_HVMPAE" 0x08048000
# 32-bit modes have no address above 4 GiB
expect_jq '.end.reason == "outside_address_space" and (.end | has("level") | not)' \
	xenpt -j walk "$SYNTH_HVMPAE" 0x100000000

# hvm-2level: "map 0xc0000000 gfn=0 size=16M page=4m": 4M pages, no NX
expect_cmp  walk-hvm2-4m.txt  xenpt walk "$SYNTH_HVM2" 0xc0200000
expect_jq '.mode == "2level" and .page_size == 4194304 and .gpaddr == "0x200000" and (.nx | not)
	and (.levels | length) == 1' xenpt -j walk "$SYNTH_HVM2" 0xc0200000
expect_jq '.page_size == 4194304 and .gpaddr == "0xfffffe"' xenpt -j walk "$SYNTH_HVM2" 0xc0fffffe
expect_jq '.end == {"reason": "not_present", "level": 1}' xenpt -j walk "$SYNTH_HVM2" 0xc1002000
expect_jq '.gfn == "0x2001" and .user' xenpt -j walk "$SYNTH_HVM2" 0x08049000
# issue 15: 4 GiB and above is outside the 32-bit address space, not non-canonical
expect_jq '.end.reason == "outside_address_space" and (.levels | length) == 0' \
	xenpt -j walk "$SYNTH_HVM2" 0x100000000
expect_cmp  walk-hvm2-outside.txt  xenpt walk "$SYNTH_HVM2" 0x100000000

# --mode overrides the vCPU's mode: the 4-level tables read as 5-level put
# the L4 at the top, so the same VA walks differently
expect_jq '.mode == "5level"' xenpt -j walk --mode 5level "$SYNTH_HVM4" 0xffff888000345678
# usage errors, unknown targets; --user is for 64-bit PV only
expect_fail 2 "exists only for 64-bit PV guests" xenpt walk --user "$SYNTH_HVM4" 0x400000
expect_fail 2 "unknown paging mode 'legacy32'" xenpt walk --mode legacy32 "$SYNTH_HVM4" 0x1000
expect_fail 2 "tests/fixtures/hvm-nonexistent.synth" xenpt walk synth:tests/fixtures/hvm-nonexistent.synth 0x1000
done_testing
