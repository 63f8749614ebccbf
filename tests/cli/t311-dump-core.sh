#!/bin/sh
test_description='dump on the real dump-core: the Linux layout, the direct map, espfix, table types against xen-mfndump'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE"

# Facts, independent of xenpt (t201, tests/fixtures/xenlab-domu.README):
# the domU has 128 MiB (32768 pages); Linux maps them all at
# 0xffff888000000000 (PAGE_OFFSET) with 4K pages under Xen PV; the kernel
# image at 0xffffffff81000000 is pfn 0x1000; xen-mfndump's listing types
# every page-table frame L1..L4.
expect_cmp dump-core.txt xenpt dump "$CORE"
expect_jq '[.runs[] | select(.section == "direct map" and .kind == "mapped")]
	| (.[0].start == "0xffff888000000000") and (.[-1].last == "0xffff888007ffffff")
	and (map(.entries) | add) == 32768 and all(.[]; .level == 1 and .nx)' xenpt -j dump "$CORE"
expect_jq '.runs[] | select(.start == "0xffffffff81000000") | .kind == "mapped" and (.writable | not) and (.nx | not)' \
	xenpt -j dump "$CORE"
# Linux's espfix area maps the same pages through shared tables 131072
# times (arch/x86/kernel/espfix_64.c: one pte page in all 512 pmd slots,
# ESPFIX_PMD_CLONES, and the pmd page in several pud slots).  By default a
# repeated subtree is printed once and then named ("same subtree as at"):
# the L1 511 more times, the L2 3 more times, both first seen at the start
# of the espfix stacks
expect_jq '[.runs[] | select(.section == "espfix" and .kind == "repeat") | [.target_level, .entries, .same_as]]
	== [[1, 511, "0xffffff5a00000000"], [2, 3, "0xffffff5a00000000"]]' xenpt -j dump --max-lines 0 "$CORE"
expect_jq '[.runs[] | select(.section == "espfix")] | length < 100' xenpt -j dump --max-lines 0 "$CORE"
# --expand prints every occurrence; like the kernel's ptdump, only 16 of its
# lines are shown by default
expect_ok sh -c '"$XENPT" dump --expand "$CORE" | grep -q "^\.\.\. 131059 entries skipped \.\.\.$"'
expect_jq '[.runs[] | select(.section == "espfix" and .kind == "skipped")] == [{"section": "espfix", "kind": "skipped", "lines": 131059}]' \
	xenpt -j dump --expand "$CORE"
expect_jq '[.runs[] | select(.section == "espfix")] | length > 131000' xenpt -j dump --expand --max-lines 0 "$CORE"
expect_jq '.summary.findings == 0 and .summary.tables == 165 and .summary.pages_2m == 0' xenpt -j dump "$CORE"
expect_code 0 xenpt dump --strict "$CORE"
# every table frame's level is the type xen-mfndump gave its PFN (low 3
# bits of the type; 8 = pinned); both of vCPU 0's L4s
need build/fixtures/xenlab-domu.mfndump-p2m.txt
for u in "" --user; do
	xenpt -j dump --tables $u "$CORE" | jq -r '.tables[] | "\(.table_pfn) \(.level)"' >tables
	bad=
	while read -r pfn level; do
		t=$(sed -n "s/^  pfn=$pfn ==> mfn=0x[0-9a-f]* (type 0x\([0-9a-f]\)).*$/\1/p" \
			build/fixtures/xenlab-domu.mfndump-p2m.txt)
		[ -n "$t" ] && [ $(( 0x$t & 7 )) -eq "$level" ] || bad="$bad $pfn:L$level:$t"
	done <tables
	expect_ok test -z "$bad" -a -s tables
done
expect_cmp  dump-core-tables-user.txt  xenpt dump --tables --user "$CORE"
# the user L4 (ctrlreg[1]): busybox at 4 MiB, read-only executable
expect_cmp  dump-core-user.txt   xenpt dump --user "$CORE"
expect_json dump-core-user.json  xenpt -j dump --user "$CORE"
# the frame types without page types come from the structure: the frames
# of the tables, mapped read-only in the direct map
expect_jq '[.runs[] | select(.frame_type != null) | .entries] | add == 165' \
	xenpt -j dump --range 0xffff888000000000-0xffff888008000000 "$CORE"
expect_jq '[.runs[] | select(.frame_type != null)] | length == 0' xenpt -j dump --no-types "$CORE"
# a damaged core: truncated in the middle of its pages
head -c 50000000 "$CORE_FILE" >truncated.core
expect_fail 2 "truncated.core" xenpt dump core:truncated.core
done_testing
