#!/bin/sh
test_description='walk on the synthetic PV fixture: mapped, not present, non-canonical, Xen slot, --user'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"

# Facts (xenpt-synth(5), layout linux): kernel text at 0xffffffff81000000 is
# PFN 0x1000, 2 MiB read-only executable; .data at 0xffffffff81300000 is PFN
# 0x1300, writable no-exec; the linear P2M is 32 pages at
# 0xffffc90000000000, then a guard page; the user half (heap at 0x1a00000)
# is in the "kernel" root and mirrored in the "user" root, whose kernel half
# is empty but for the vsyscall L3 in slot 511.
expect_cmp  walk-synth-ktext.txt   xenpt walk "$SYNTH_PV" 0xffffffff81000000
expect_json walk-synth-ktext.json  xenpt -j walk "$SYNTH_PV" 0xffffffff81000000
expect_jq '.end.reason == "mapped" and .pfn == "0x1000" and .page_size == 4096
	and (.writable | not) and (.nx | not) and (.levels | length) == 4' xenpt -j walk "$SYNTH_PV" 0xffffffff81000000
# Xen sets US on every 64-bit PV kernel mapping and marks the leaf with bit 52:
# the raw US (hw_user) is set, the privilege (user) says kernel
expect_jq '.guest_kernel and .hw_user and (.user | not)' xenpt -j walk "$SYNTH_PV" 0xffffffff81000000
expect_jq '(.guest_kernel | not) and .user' xenpt -j walk --user "$SYNTH_PV" 0x1a00010
# the last byte of text, then rodata (read-only, no-exec)
expect_jq '.pfn == "0x11ff" and (.nx | not)' xenpt -j walk "$SYNTH_PV" 0xffffffff811fffff
expect_jq '.pfn == "0x1200" and .nx and (.writable | not)' xenpt -j walk "$SYNTH_PV" 0xffffffff81200000
# kernel data: writable, no-exec; the byte offset carries into maddr
expect_cmp  walk-synth-kdata.txt   xenpt walk "$SYNTH_PV" 0xffffffff81300040
expect_jq '.pfn == "0x1300" and .writable and .nx and (.maddr | endswith("040"))' \
	xenpt -j walk "$SYNTH_PV" 0xffffffff81300040
# not present: nothing below 4 MiB; the guard page after the P2M
expect_cmp  walk-synth-notpresent.txt   xenpt walk "$SYNTH_PV" 0x1000
expect_json walk-synth-notpresent.json  xenpt -j walk "$SYNTH_PV" 0x1000
expect_jq '.end == {"reason": "not_present", "level": 1}' xenpt -j walk "$SYNTH_PV" 0xffffc90000020000
expect_jq '.end.reason == "mapped"' xenpt -j walk "$SYNTH_PV" 0xffffc9000001ffff
expect_cmp -s 1 walk-synth-notpresent.txt xenpt walk --strict "$SYNTH_PV" 0x1000
# non-canonical: both sides of the hole
expect_cmp  walk-synth-noncanonical.txt   xenpt walk "$SYNTH_PV" 0x0000800000000000
expect_json walk-synth-noncanonical.json  xenpt -j walk "$SYNTH_PV" 0x0000800000000000
expect_jq '.end.reason == "non_canonical" and (.levels | length) == 0' xenpt -j walk "$SYNTH_PV" 0xffff7fffffffffff
# the top of the user stack (33 pages below 0x7ffffffff000)
expect_jq '.end.reason == "mapped" and .user and .nx' xenpt -j walk "$SYNTH_PV" 0x7fffffffefff
expect_jq '.end == {"reason": "not_present", "level": 1}' xenpt -j walk "$SYNTH_PV" 0x7ffffffff000
# Xen's slots 256-271 (0xffff800000000000-0xffff87ffffffffff)
expect_cmp  walk-synth-xenslot.txt   xenpt walk "$SYNTH_PV" 0xffff800000000000
expect_json walk-synth-xenslot.json  xenpt -j walk "$SYNTH_PV" 0xffff800000000000
expect_jq '.end == {"reason": "xen_slot", "level": 4} and .levels[0].index == 271' \
	xenpt -j walk "$SYNTH_PV" 0xffff87ffffffffff
expect_jq '.end.reason == "mapped" and .levels[0].index == 273 and .pfn == "0x0"' \
	xenpt -j walk "$SYNTH_PV" 0xffff888000000000
# --user: vCPU 0's user L4 (ctrlreg[1]) has the user half, not the kernel's
expect_cmp  walk-synth-user.txt   xenpt walk --user "$SYNTH_PV" 0x1a00010
expect_json walk-synth-user.json  xenpt -j walk --user "$SYNTH_PV" 0x1a00010
expect_jq '.user_l4 and .user and .writable and .nx' xenpt -j walk -u "$SYNTH_PV" 0x1a00010
expect_cmp  walk-synth-user-kernel.txt  xenpt walk --user "$SYNTH_PV" 0xffffffff81000000
expect_jq '.end == {"reason": "not_present", "level": 3} and .levels[0].index == 511' \
	xenpt -j walk --user "$SYNTH_PV" 0xffffffff81000000
# the user root and the kernel root share the user half's L3
capture u-tables through "jq -c '[.levels[1:][] | .table_mfn]'" xenpt -j walk --user "$SYNTH_PV" 0x1a00010
capture k-tables through "jq -c '[.levels[1:][] | .table_mfn]'" xenpt -j walk "$SYNTH_PV" 0x1a00010
expect_same u-tables k-tables "the user and the kernel root share the user half's L3, L2 and L1"
# vCPU 1 is idle on the init root: no user half at all
expect_jq '.end == {"reason": "not_present", "level": 4}' xenpt -j walk --vcpu 1 "$SYNTH_PV" 0x1a00010
expect_jq '.pfn == "0x1000"' xenpt -j walk --vcpu 1 "$SYNTH_PV" 0xffffffff81000000
# --cr3 with vCPU 0's user L4 is --user
cr3=$(xenpt -j vcpu "$SYNTH_PV" 0 | jq -r '.[0].user_cr3')
expect_ok test -n "$cr3" -a "$cr3" != null
capture by-user through "jq -S 'del(.user_l4)'" xenpt -j walk --user "$SYNTH_PV" 0x1a00010
capture by-cr3 through "jq -S 'del(.user_l4)'" xenpt -j walk --cr3 "$cr3" "$SYNTH_PV" 0x1a00010
expect_same by-user by-cr3 "--cr3 \$user_cr3 walks like --user"
# usage errors, unknown targets
expect_fail 2 "no VA given" xenpt walk "$SYNTH_PV"
expect_fail 2 "'0xg' is not a virtual address" xenpt walk "$SYNTH_PV" 0xg
expect_fail 2 "no vCPU 2" xenpt walk --vcpu 2 "$SYNTH_PV" 0x1000
expect_fail 2 "tests/fixtures/nonexistent.synth" xenpt walk synth:tests/fixtures/nonexistent.synth 0x1000
expect_json -s 2 error-walk-synth-nonexistent.json xenpt -j walk synth:tests/fixtures/nonexistent.synth 0x1000
done_testing
