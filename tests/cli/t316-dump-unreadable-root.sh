#!/bin/sh
test_description='dump with an unreadable root: the summary names the space the root covers and its level (issue 15, item 3)'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE" "$CORE_PVH_FILE"

# an empty core: the shipped core with no pages (the header note's
# xch_nr_pages, .xen_pages and .xen_p2m all 0), so vCPU 0's CR3 names a
# frame absent from the core
cp "$CORE_FILE" empty.core
python3 "$TEST_DIR/coreedit.py" empty empty.core
expect_jq '.tot_pages == 0 and .frames_in_source == 0' xenpt -j info core:empty.core

# the two canonical halves of a 4-level space, the root at L4
HALVES='[["0x0", "0x7fffffffffff", "0x800000000000", 4, 4], ["0xffff800000000000", "0xffffffffffffffff", "0x800000000000", 4, 4]]'
SUMMARY='[.summary.problems.unreadable | .entries, (.listed[] | [.start, .last, .size, .level, .target_level])]'
expect_jq "$SUMMARY == [1] + $HALVES" xenpt -j dump core:empty.core
"$XENPT" dump core:empty.core >empty.txt 2>empty.err
expect_ok grep -q '^    0x0000000000000000-0x0000800000000000    128T .* pgd  L4 table mfn 0x53d9a unreadable (frame not in the core file): the root' empty.txt
expect_ok grep -q '^    0xffff800000000000-0x0000000000000000    128T .* pgd  L4 table mfn 0x53d9a unreadable' empty.txt

# a CR3 naming a frame absent from the shipped core
expect_jq "$SUMMARY == [1] + $HALVES" xenpt -j dump --cr3 0xfffffffff000 "$CORE"
# ... within --range: the part of the space asked for
expect_jq "$SUMMARY == [1, [\"0x1000\", \"0x1fff\", \"0x1000\", 4, 4]]" xenpt -j dump --range 0x1000-0x2000 --cr3 0xfffffffff000 "$CORE"

# an all-ones HVM CR3 read as 2-level and PAE paging: 4G, the root at L2 / L3
expect_jq "$SUMMARY == [1, [\"0x0\", \"0xffffffff\", \"0x100000000\", 2, 2]]" \
	xenpt -j dump --cr3 0xffffffffffffffff --mode 2level "$CORE_PVH"
expect_jq "$SUMMARY == [1, [\"0x0\", \"0xffffffff\", \"0x100000000\", 3, 3]]" \
	xenpt -j dump --cr3 0xffffffffffffffff --mode pae "$CORE_PVH"
"$XENPT" dump --cr3 0xffffffffffffffff --mode pae "$CORE_PVH" >pae.txt 2>pae.err
expect_ok grep -q '^    0x0000000000000000-0x0000000100000000      4G .* pgd  L3 table gfn 0xfffff unreadable' pae.txt
"$XENPT" dump --cr3 0xffffffffffffffff --mode 2level "$CORE_PVH" >2level.txt 2>2level.err
expect_ok grep -q '^    0x0000000000000000-0x0000000100000000      4G .* pgd  L2 table gfn 0xfffff unreadable' 2level.txt

# --strict on an unreadable root: a finding, exit 1, whatever cuts the listing
expect_code 1 xenpt dump --strict core:empty.core
expect_code 1 xenpt dump --strict --max-lines 1 --level 3 --cr3 0xffffffffffffffff --mode pae "$CORE_PVH"
# the summary (and --strict) covers every table whatever shortens the listing
capture full.json through "jq -S .summary" "$XENPT" -j dump "$CORE"
capture cut.json through "jq -S .summary" "$XENPT" -j dump --max-lines 1 --level 4 "$CORE"
expect_same full.json cut.json "dump: the same summary with --max-lines 1 --level 4 as without"
done_testing
