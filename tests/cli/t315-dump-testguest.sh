#!/bin/sh
test_description='dump on the real dump-core of the project PV test guest: its boot tables, shared_info, W+X boot image'
. "$(dirname "$0")/lib.sh"
need build/fixtures/xenpt-testguest.core
G=core:build/fixtures/xenpt-testguest.core

# Facts from the guest's console (tests/fixtures/xenpt-testguest.README):
# virt_base 0xffffffff80000000, pt_base 0xffffffff80026000 (the domain
# builder's 5 page-table frames: L4 mfn 0x40426, then L3, L2, two L1s),
# shared_info at 0xffffffff80006000, the result page at 0xffffffff80001000,
# a "window" at 0xffffffff80007000.  Xen's domain builder maps the boot
# image writable, and the kernel never removes execute: W+X.
expect_cmp -s 1 dump-testguest.txt xenpt dump --strict "$G"
expect_jq '[.runs[] | select(.frame_type != null and .start >= "0xffffffff80026000" and .last <= "0xffffffff8002afff")
	| [.start, .frame_type, .writable]] == [["0xffffffff80026000", "l4", false], ["0xffffffff80027000", "l3", false],
	["0xffffffff80028000", "l2", false], ["0xffffffff80029000", "l1", false]]' xenpt -j dump "$G"
expect_jq '.runs[] | select(.start == "0xffffffff80006000") | .writable and .nx and .last == "0xffffffff80006fff"' \
	xenpt -j dump "$G"
expect_jq '.summary.classes.wx.regions == 3 and all(.summary.classes.wx.listed[]; .start | startswith("0xffffffff80"))' \
	xenpt -j dump "$G"
expect_jq '.summary.tables_by_level == {"l4": 1, "l3": 1, "l2": 2, "l1": 4}' xenpt -j dump "$G"
expect_jq '.tables[0] | .level == 4 and .table_mfn == "0x40426" and .present == 1' xenpt -j dump --tables "$G"
done_testing
