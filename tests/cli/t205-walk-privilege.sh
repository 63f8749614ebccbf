#!/bin/sh
test_description='one meaning of user/kernel in walk, dump, rmap and read; Xen PV rules while reading (no 5-level PV, disallowed flags); inferred HVM modes'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE" "$CORE_PVH_FILE" tests/fixtures/pv-disallowed.synth

# Facts of the real core (tests/fixtures/xenlab-domu.README, t201): the
# kernel image at 0xffffffff81000000 is pfn 0x1000, a kernel L1 entry that
# Xen made US|_PAGE_GUEST_KERNEL (xen/arch/x86/pv/mm.h adjust_guest_l1e);
# busybox text at 0x400000 in the user L4 is pfn 0x330e, a user entry (US|G).
# Every command says kernel for the first and user for the second, and
# keeps the raw US (hw_user) true for both.
expect_jq '(.user | not) and .hw_user and .guest_kernel' xenpt -j walk "$CORE" 0xffffffff81000000
expect_jq '[.runs[] | select(.start == "0xffffffff81000000")] | length == 1 and all(.[]; (.user | not) and .hw_user)' \
	xenpt -j dump --range 0xffffffff81000000-0xffffffff81001000 "$CORE"
expect_jq '[.queries[0].references[].vas[] | select(.va == "0xffffffff81000000")]
	| length == 1 and all(.[]; (.user | not) and .hw_user)' xenpt -j rmap --pfn 0x1000 "$CORE"
expect_jq '.user and .hw_user and (.guest_kernel | not) and .pfn == "0x330e"' xenpt -j walk --user "$CORE" 0x400000
expect_jq '.user and .hw_user' xenpt -j walk "$CORE" 0x400000
expect_jq '[.runs[] | select(.start == "0x400000")] | length == 1 and all(.[]; .user and .hw_user)' \
	xenpt -j dump --user --range 0x400000-0x401000 "$CORE"
expect_jq '[.queries[0].references[].vas[] | select(.va == "0x400000")] | length == 2 and all(.[]; .user and .hw_user)' \
	xenpt -j rmap --pfn 0x330e "$CORE"
# dump's finding "user-accessible kernel mappings" uses the same rule: none
expect_jq '.summary.classes.user_kernel.regions == 0' xenpt -j dump "$CORE"

# A 64-bit PV guest cannot use 5-level paging (Xen never gives it CR4.LA57)
expect_stderr 2 "always 4-level" xenpt walk --mode 5level "$CORE" 0x400000
expect_stderr 2 "always 4-level" xenpt walk --cr3 0x53d9a000 --mode 5level "$CORE" 0x400000
expect_stderr 2 "always 4-level" xenpt dump --mode 5level "$CORE"
expect_stderr 2 "always 4-level" xenpt read --mode 5level "$CORE" 0xffffffff81000000 4
expect_jq '.end.reason == "mapped"' xenpt -j walk --mode 4level "$CORE" 0xffffffff81000000

# Entries Xen's disallow masks forbid (xen/arch/x86/mm.c; the fixture's
# comment lists what it wrote): the walk ends there, naming level and bits
D=synth:tests/fixtures/pv-disallowed.synth
expect_jq '.end.reason == "mapped" and .pfn == "0x100"' xenpt -j walk "$D" 0x400000
expect_jq '.end == {"reason": "disallowed_flags", "level": 1, "bits": "0x18"} and .levels[3].disallowed_bits == "0x18"' \
	xenpt -j walk "$D" 0x401000
expect_jq '.end.reason == "mapped" and .pfn == "0x102" and .global' xenpt -j walk "$D" 0x402000
expect_jq '.end == {"reason": "disallowed_flags", "level": 2, "bits": "0x80"} and (.levels[2].leaf | not)' \
	xenpt -j walk "$D" 0x40000000
expect_jq '.end == {"reason": "disallowed_flags", "level": 3, "bits": "0x100"}' xenpt -j walk "$D" 0x8000000000
expect_code 1 xenpt walk --strict "$D" 0x40000000
expect_cmp walk-disallowed-pse.txt xenpt walk "$D" 0x40000000
# dump: one finding each, not decoded as a leaf (PSE is no 2M page here)
expect_jq '.summary.problems.disallowed_flags.entries == 3 and .summary.pages_2m == 0
	and ([.summary.problems.disallowed_flags.listed[] | [.start, .level, .disallowed_bits]]
	     == [["0x401000", 1, "0x18"], ["0x40000000", 2, "0x80"], ["0x8000000000", 3, "0x100"]])' xenpt -j dump "$D"
expect_cmp -s 1 dump-disallowed.txt xenpt dump --strict "$D"
# rmap names the entry that holds disallowed flags, and does not follow it
expect_jq '[.queries[0].references[] | .kind] == ["disallowed_flags"]' xenpt -j rmap --pfn 0x200 "$D"

# HVM dump-core: no EFER, so the mode is inferred from CR0/CR4 (the PVH
# guest's vCPU 0 has CR0 0x80050033: PG; CR4 0x550ef0: PAE, no LA57)
from="CR0.PG=1 CR4.PAE=1 CR4.LA57=0, no EFER in dump-core files"
expect_jq ".mode == \"4level\" and .mode_inferred and .mode_from == \"$from\"" xenpt -j walk "$CORE_PVH" 0xffffffff81000000
expect_jq ".mode_inferred and .mode_from == \"$from\"" xenpt -j dump --range 0xffffffff81000000-0xffffffff81001000 "$CORE_PVH"
expect_jq ".mode_inferred and .mode_from == \"$from\"" xenpt -j read "$CORE_PVH" 0xffffffff81000000 4
expect_jq ".[0].paging_mode == \"4level\" and .[0].mode_inferred and .[0].mode_from == \"$from\"" xenpt -j vcpu "$CORE_PVH"
expect_ok sh -c '"$XENPT" walk "$CORE_PVH" 0xffffffff81000000 | head -1 | grep -q "4level paging (inferred from CR0.PG=1 CR4.PAE=1 CR4.LA57=0, no EFER in dump-core files; --mode overrides)"'
expect_stderr 0 "4level paging inferred from CR0.PG=1" xenpt read "$CORE_PVH" 0xffffffff81000000 4
# --mode and PV and synthetic HVM (which record EFER) are not inferred
expect_jq '(.mode_inferred | not) and (has("mode_from") | not)' xenpt -j walk --mode 4level "$CORE_PVH" 0xffffffff81000000
expect_jq '(.mode_inferred | not)' xenpt -j walk "$CORE" 0xffffffff81000000
expect_jq '(.mode_inferred | not)' xenpt -j walk "$SYNTH_HVM4" 0xffff888000345678
done_testing
