#!/bin/sh
test_description='audit on dump-core files: the structure alone; a hostile core with a Xen slot changed'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE" build/fixtures/xenpt-testguest.core "$CORE_PVH_FILE"

# the real Linux PV domU: no page types in a core, the structure is clean
expect_code 0 xenpt audit "$CORE"
expect_cmp audit-core-head.txt through "head -3" xenpt audit "$CORE"
k=$(( $(xenpt -j vcpu "$CORE" 0 | jq -r '.[0].cr3') >> 12 ))
u=$(( $(xenpt -j vcpu "$CORE" 0 | jq -r '.[0].user_cr3') >> 12 ))
# two L4s: vCPU 0's kernel and user L4 (the context's ctrlreg[3] and [1])
expect_jq "(.types_known | not) and .findings_total == 0 and .types[3].rules_derive == 2
	and .types[3].xen_says == null and .counters.vcpu_roots == 2" xenpt -j audit "$CORE"
expect_code 0 xenpt audit core:build/fixtures/xenpt-testguest.core
# PVH is not PV
expect_stderr 2 '64-bit PV domains' xenpt audit "$CORE_PVH"

# hostile: Xen's slot 261 of the user L4 changed
cp "$CORE_FILE" slot.core
upfn=$(xenpt -j p2m --mfn "$(printf '0x%x' $u)" "$CORE" | jq -r '.lookups[0].pfn')
off=$(python3 "$TEST_DIR/coreedit.py" page-offset slot.core "$upfn")
printf '\143\000\000\000\000\000\000\000' | dd of=slot.core bs=1 seek=$((off + 261 * 8)) conv=notrunc status=none
expect_jq -s 1 "[.findings[] | [.code, .mfn, .level, .index, .target, .entry]] ==
	[[\"xen-slot-differs\", \"$(printf '0x%x' $u)\", 4, 261, \"$(printf '0x%x' $k)\", \"0x63\"]]" \
	xenpt -j audit core:slot.core
done_testing
