#!/bin/sh
test_description='walk on the real dump-core: kernel text, direct map, linear P2M, user L4, holes'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE"

# Facts, independent of xenpt: the xen-mfndump listing taken before the dump
# (shared/fixtures/xenlab-domu.mfndump-p2m.txt.xz) gives each table frame's
# type: pfn 0x699a pinned L4, 0x2a15 L3, 0x2a16 L2, 0x4a0e L1 (kernel text);
# 0x2a12 L3, 0x2a13 L2, 0x4a06 L1 (direct map); pfn 0x1000 ==> mfn 0x51c00
# (Linux loads at 16 MiB); pfn 0 ==> mfn 0x55000.  tests/cli/core-oracle.py
# re-walks every VA below from the raw ELF (t202).

# mapped kernel text: 0xffffffff81000000 is pfn 0x1000, read-only, executable
expect_cmp  walk-core-ktext.txt   xenpt walk "$CORE" 0xffffffff81000000
expect_json walk-core-ktext.json  xenpt -j walk "$CORE" 0xffffffff81000000
expect_jq '[.levels[].table_pfn] == ["0x699a", "0x2a15", "0x2a16", "0x4a0e"]
	and .mfn == "0x51c00" and .pfn == "0x1000" and .page_size == 4096
	and .writable == false and .nx == false' xenpt -j walk "$CORE" 0xffffffff81000000
# Xen sets US on every 64-bit PV kernel mapping and marks the leaf with bit 52:
# the raw US (hw_user) is set, the privilege (user) says kernel
# (_PAGE_GUEST_KERNEL): this is a kernel page, not a user one
expect_jq '.guest_kernel and .hw_user and (.user | not)' xenpt -j walk "$CORE" 0xffffffff81000000
expect_ok sh -c '"$XENPT" walk "$CORE" 0xffffffff81000000 | grep -q "^result: .*, guest-kernel (US set by Xen, GK) read-only exec$"'
# a user page of the same guest is no guest-kernel page
expect_jq '.user and (.guest_kernel | not)' xenpt -j walk --user "$CORE" 0x400000
# the direct map: 0xffff888000000000 is pfn 0, writable, no-exec
expect_cmp  walk-core-directmap.txt  xenpt walk "$CORE" 0xffff888000000000
expect_jq '[.levels[].table_pfn] == ["0x699a", "0x2a12", "0x2a13", "0x4a06"] and .pfn == "0x0"
	and .mfn == "0x55000" and .writable and .nx' xenpt -j walk "$CORE" 0xffff888000000000
# the linear P2M at shared_info's p2m_vaddr
expect_cmp  walk-core-p2m.txt  xenpt walk "$CORE" 0xffffc90000000000
# not present (nothing below 4 MiB in the kernel L4)
expect_cmp  walk-core-notpresent.txt   xenpt walk "$CORE" 0x1000
expect_json walk-core-notpresent.json  xenpt -j walk "$CORE" 0x1000
expect_cmp -s 1 walk-core-notpresent.txt xenpt walk --strict "$CORE" 0x1000
# non-canonical
expect_cmp  walk-core-noncanonical.txt   xenpt walk "$CORE" 0x0000800000000000
expect_json walk-core-noncanonical.json  xenpt -j walk "$CORE" 0x0000800000000000
expect_jq '.end.reason == "non_canonical"' xenpt -j walk "$CORE" 0xfffe000000000000
# Xen's slots 256-271: first, middle and last byte; 272 is the guest's again
for va in 0xffff800000000000 0xffff840000001000 0xffff87ffffffffff; do
	expect_jq '.end == {"reason": "xen_slot", "level": 4} and .levels[0].index >= 256
		and .levels[0].index <= 271' xenpt -j walk "$CORE" $va
done
expect_cmp  walk-core-xenslot.txt   xenpt walk "$CORE" 0xffff800000000000
expect_json walk-core-xenslot.json  xenpt -j walk "$CORE" 0xffff800000000000
expect_jq '.end.reason != "xen_slot" and .levels[0].index == 272' xenpt -j walk "$CORE" 0xffff880000000000
# the user L4 (ctrlreg[1], pfn 0x6970, a pinned L4): busybox's text at 4 MiB
expect_cmp  walk-core-user.txt   xenpt walk --user "$CORE" 0x400000
expect_json walk-core-user.json  xenpt -j walk -u "$CORE" 0x400000
expect_jq '.user_l4 and .levels[0].table_pfn == "0x6970" and .user and (.writable | not)' \
	xenpt -j walk --user "$CORE" 0x400000
# --cr3 with the same root gives the same walk
expect_jq '.levels[0].table_mfn == "0x53d70" and .pfn == "0x330e"' xenpt -j walk --cr3 0x53d70000 "$CORE" 0x400000
# digit separators and decimal addresses
expect_cmp walk-core-ktext.txt xenpt walk "$CORE" 0xffffffff_81000000
expect_cmp walk-core-ktext.txt xenpt walk "$CORE" 18446744071578845184
done_testing
