#!/bin/sh
test_description='vcpu on the real dump-core: CR3 and the user L4 are pinned L4s (xen-mfndump)'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE"

expect_cmp  vcpu-core.txt       xenpt vcpu "$CORE"
expect_cmp  vcpu-core.txt       xenpt vcpu "$CORE" 0
expect_cmp  vcpu-core-all.txt   xenpt vcpu --all "$CORE"
expect_json vcpu-core.json      xenpt -j vcpu "$CORE"
expect_json vcpu-core-all.json  xenpt -j vcpu -a "$CORE" 0
# xen-mfndump dump-p2m (shared/fixtures/xenlab-domu.mfndump-p2m.txt.xz), taken
# before the dump: pfn 0x699a ==> mfn 0x53d9a (pinned L4),
# pfn 0x6970 ==> mfn 0x53d70 (pinned L4); the kernel runs in ring 3 (cs 0xe033)
expect_jq 'length == 1 and .[0].cr3 == "0x53d9a000" and .[0].cr3_mfn == "0x53d9a" and .[0].cr3_pfn == "0x699a"
	and .[0].user_cr3_mfn == "0x53d70" and .[0].user_cr3_pfn == "0x6970"
	and .[0].regs.cs == "0xe033" and .[0].in_kernel and .[0].efer == null' xenpt -j vcpu "$CORE"
# Linux's #PF entry is an interrupt gate: entered with events masked
expect_jq '.[0].page_fault_handler.dpl == 0 and .[0].page_fault_handler.masks_events
	and (.[0].traps | map(.vector) | index(14)) != null' xenpt -j vcpu --all "$CORE"
# usage errors
expect_fail 2 "no TARGET given" xenpt vcpu
expect_fail 2 "'x' is not a vCPU number" xenpt vcpu "$CORE" x
expect_fail 2 "unexpected argument '2'" xenpt vcpu "$CORE" 1 2
expect_fail 2 "has no vCPU 1 \(vCPUs 0-0\)" xenpt vcpu "$CORE" 1
expect_fail 2 "'--bogus'" xenpt vcpu --bogus "$CORE"
# unknown targets are named
expect_fail 2 "tests/fixtures/nonexistent.core" xenpt vcpu core:tests/fixtures/nonexistent.core
expect_fail 2 "'bogus/target'" xenpt vcpu bogus/target
done_testing
