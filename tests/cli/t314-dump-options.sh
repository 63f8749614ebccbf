#!/bin/sh
test_description='dump options: --range, --level, --raw, --max-lines, --no-types'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"

# --range: only the kernel image, as the full dump shows it
expect_cmp dump-synth-range.txt xenpt dump --range 0xffffffff81000000-0xffffffff81400000 "$SYNTH_PV"
expect_jq '[.runs[] | select(.kind == "mapped")] | length == 3' \
	xenpt -j dump --range 0xffffffff81000000-0xffffffff81400000 "$SYNTH_PV"
# START- runs to the top of the address space, like END 0x0000000000000000
capture open-end through "sed 1d" xenpt dump --range 0xffffffffff000000- "$SYNTH_PV"
capture zero-end through "sed 1d" xenpt dump --range 0xffffffffff000000-0x0000000000000000 "$SYNTH_PV"
expect_same open-end zero-end "--range START- dumps like --range START-0x0000000000000000"
# a range inside a page: the line is clipped to it
expect_jq '[.runs[] | select(.kind == "mapped")] == [] or (.runs[0].start == "0xffffffff81000800" and .runs[0].size == "0x800")' \
	xenpt -j dump --range 0xffffffff81000800-0xffffffff81001000 "$SYNTH_PV"
# --level 2: the L2 entries that name L1 tables, one line per run, with what is below
expect_cmp dump-synth-level2.txt xenpt dump --level 2 "$SYNTH_PV"
expect_jq '[.runs[] | select(.kind == "table") | .below_mapped] | length > 0' xenpt -j dump --level 2 "$SYNTH_PV"
expect_jq '[.runs[] | .level] | min == 2' xenpt -j dump --level 2 "$SYNTH_PV"
# --raw: one line per present leaf entry, with its frame and PFN
expect_cmp dump-synth-raw.txt xenpt dump --raw --range 0xffffffff81000000-0xffffffff81004000 "$SYNTH_PV"
expect_json dump-synth-raw.json xenpt -j dump --raw --range 0xffffffff81000000-0xffffffff81004000 "$SYNTH_PV"
expect_jq '[.runs[] | select(.kind == "mapped") | .pfn] == ["0x1000", "0x1001", "0x1002", "0x1003"]' \
	xenpt -j dump --raw --range 0xffffffff81000000-0xffffffff81004000 "$SYNTH_PV"
# one raw line per mapped 4K page, as the summary counts them
expect_jq '.summary.pages_4k == ([.runs[] | select(.kind == "mapped")] | length)' xenpt -j dump --raw "$SYNTH_PV"
# --max-lines: each section keeps its first N lines and counts the rest
expect_cmp dump-synth-max2.txt xenpt dump --max-lines 2 "$SYNTH_PV"
expect_jq '[.runs[] | select(.kind == "skipped")] | all(.lines > 0)' xenpt -j dump --max-lines 2 "$SYNTH_PV"
capture n-all through "jq '[.runs[] | select(.kind != \"skipped\")] | length'" xenpt -j dump --max-lines 0 "$SYNTH_PV"
capture n-two through "jq '[.runs[] | if .kind == \"skipped\" then .lines else 1 end] | add'" xenpt -j dump --max-lines 2 "$SYNTH_PV"
expect_same n-all n-two "--max-lines 2 shows or counts every line of --max-lines 0"
# --no-types: no frame type column content
expect_jq '[.runs[] | select(.frame_type != null)] | length == 0' xenpt -j dump --no-types "$SYNTH_PV"
done_testing
