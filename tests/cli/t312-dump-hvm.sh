#!/bin/sh
test_description='dump on HVM guests: 4-level, 5-level, PAE and 2-level paging, large pages; the real PVH core'
. "$(dirname "$0")/lib.sh"
need tests/fixtures/hvm-4level.synth

# hvm-4level (t210): 64 MiB of 2M pages at 0xffff888000000000 from gfn 0,
# a 1G page at 0xffff888040000000; tables hold GFNs, no Xen slots.
expect_cmp  dump-hvm4.txt   xenpt dump "$SYNTH_HVM4"
expect_json dump-hvm4.json  xenpt -j dump "$SYNTH_HVM4"
expect_jq '.space == "gfn" and ([.runs[] | select(.kind == "mapped" and .pse)] | map(.level) | unique) == [2, 3]' \
	xenpt -j dump "$SYNTH_HVM4"
expect_jq '.runs[] | select(.start == "0xffff888000000000") | .size == "0x4000000" and .level == 2 and .pse' \
	xenpt -j dump "$SYNTH_HVM4"
expect_cmp  dump-hvm5.txt   xenpt dump "$SYNTH_HVM5"
expect_cmp  dump-hvmpae.txt xenpt dump "$SYNTH_HVMPAE"
expect_cmp  dump-hvm2.txt   xenpt dump "$SYNTH_HVM2"
expect_jq '.mode == "2level" and ([.runs[] | select(.pse)] | length) > 0 and .summary.pages_4m > 0' \
	xenpt -j dump "$SYNTH_HVM2"
expect_cmp  dump-hvm4-tables.txt xenpt dump --tables "$SYNTH_HVM4"
# the real PVH domU (Linux 6.1 as PVH: its own page tables in GFN space)
need build/fixtures/xenlab-domu-pvh.core
expect_cmp dump-core-pvh.txt xenpt dump core:build/fixtures/xenlab-domu-pvh.core
expect_jq '.space == "gfn" and .summary.findings == 0' xenpt -j dump core:build/fixtures/xenlab-domu-pvh.core
done_testing
