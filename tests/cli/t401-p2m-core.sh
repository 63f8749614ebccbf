#!/bin/sh
test_description='p2m on the real dump-core: the whole P2M as 64 runs, --raw entry by entry against xen-mfndump dump-p2m, lookups, the PVH core refused'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE" "$MFNDUMP_FILE"

expect_cmp  p2m-core.txt        xenpt p2m "$CORE"
expect_json p2m-core-range.json xenpt -j p2m --range 0x1ff-0x201 "$CORE"
expect_cmp  p2m-core-raw.txt    xenpt p2m --raw --range 0x7ffc-0x7fff "$CORE"
# the oracle: xen-mfndump dump-p2m of the live domain, taken just before the
# dump, entry by entry (its types are Xen's; a core has none)
sed -n 's/^ *pfn=\(0x[0-9a-f]*\) ==> mfn=\(0x[0-9a-f]*\) .*/\1 \2/p' "$MFNDUMP_FILE" >want
capture have through "sed -n 's/^pfn \\(0x[0-9a-f]*\\) *-> mfn \\(0x[0-9a-f]*\\)\$/\\1 \\2/p'" \
	xenpt p2m --raw "$CORE"
expect_ok test "$(wc -l <want)" -eq 32768
expect_same want have "p2m --raw equals xen-mfndump dump-p2m in all 32768 entries"
# the coalesced runs hold the same frames
expect_jq '.nr_runs == 64 and .frames == 32768 and .valid == 32768 and .typed == false' \
	xenpt -j p2m "$CORE"
# lookups: the marker page (t300), pfn 0 and a frame not in the core
expect_cmp  p2m-core-lookup.txt  xenpt p2m --pfn 0x29e4 --pfn 0 --mfn 0x54de4 --mfn 0x1 "$CORE"
expect_jq '.lookups[0].mfn == "0x54de4" and .lookups[0].status == "ok" and (.lookups[0] | has("type") | not)' \
	xenpt -j p2m --pfn 0x29e4 "$CORE"
# the PVH core has GFNs only
need build/fixtures/xenlab-domu-pvh.core
expect_fail 2 "an HVM/PVH domain has no guest P2M" xenpt p2m core:build/fixtures/xenlab-domu-pvh.core
expect_json -s 2 error-p2m-pvh.json xenpt -j p2m core:build/fixtures/xenlab-domu-pvh.core
done_testing
