#!/bin/sh
test_description='dump on hostile tables: a table shared by every slot, cycles and self maps, frames beyond the host, damaged cores'
. "$(dirname "$0")/lib.sh"
need tests/fixtures/pv-shared-all-slots.synth tests/fixtures/pv-cycle.synth tests/fixtures/pv-badmfn.synth
ALL=synth:tests/fixtures/pv-shared-all-slots.synth

# One L1 table (5 runs) reached through 496 * 512 * 512 paths: 650,117,121
# runs in all, 130,023,424 W+X regions.  It must end at once, reading only
# the 4 distinct table frames (--stats counts the frame cache's misses).
expect_cmp -s 1 dump-all-slots.txt xenpt dump --max-lines 3 --strict "$ALL"
expect_jq '.summary.classes.wx.regions == 130023424 and .summary.tables == 4
	and ([.runs[] | select(.kind == "skipped") | .lines] | add) == 650117121 - 3 * 11 - 1' \
	xenpt -j dump --expand --max-lines 3 "$ALL"
# The output is linear too: without --max-lines, t1's 5 runs are printed
# once, then each repeated subtree is one line: in the user half t1 511
# more times (t2's other entries), t2 511 more times (t3's), t3 255 more
# times (L4 slots 1-255); every other section names t3, t2 or t1 again.
expect_cmp -s 1 dump-all-slots-full.txt xenpt dump --strict "$ALL"
expect_jq '[.runs[] | select(.section == "user") | if .kind == "repeat" then [.target_level, .entries, .same_as] else .kind end]
	== ["mapped", "mapped", "mapped", "mapped", "hole", [1, 511, "0x0"], [2, 511, "0x0"], [3, 255, "0x0"]]' \
	xenpt -j dump "$ALL"
expect_ok sh -c 'test $("$XENPT" dump "$ALL" | wc -l) -lt 100'
expect_ok sh -c 'test $("$XENPT" dump --raw "$ALL" | wc -l) -lt 600'
# --expand on a small range: t1 three times (5 runs each, the hole of one
# merging with the start of the next: 5 + 4 + 4 lines), against 5 lines and
# one repeat line without it
expect_jq '[.runs[] | .kind] == ["mapped", "mapped", "mapped", "mapped", "hole", "repeat"]
	and .runs[5].entries == 2 and .runs[5].start == "0x200000" and .runs[5].last == "0x5fffff"' \
	xenpt -j dump --range 0x0-0x600000 "$ALL"
expect_jq '[.runs[] | .kind] == ["mapped", "mapped", "mapped", "mapped", "hole", "mapped", "mapped", "mapped", "mapped", "hole", "mapped", "mapped", "mapped", "mapped", "hole"]
	and ([.runs[] | select(.kind == "mapped" and (.nx | not) and .writable) | .start] == ["0x64000", "0x264000", "0x464000"])' \
	xenpt -j dump --expand --range 0x0-0x600000 "$ALL"
expect_stderr 0 "frame cache: .* 4 misses, .*\(4 frames, 0 failed\)" xenpt dump --stats --max-lines 3 "$ALL"
expect_stderr 0 "dump: 4 tables, .* 3 summaries" xenpt dump --stats --max-lines 1 "$ALL"
# the raw and level views end too
# raw: 384 leaf lines and one hole line per L1 table's worth, 2 shown per
# section (11 sections; Xen's has 1 line)
expect_jq '([.runs[] | select(.kind == "skipped") | .lines] | add) == 496 * 512 * 512 * 385 + 1 - 2 * 11 - 1' \
	xenpt -j dump --expand --raw --max-lines 2 "$ALL"
expect_cmp dump-all-slots-level2.txt xenpt dump --level 2 --max-lines 2 "$ALL"
# rmap, the reverse index, is built from the same 4 frames
expect_jq '.tables == 4' xenpt -j rmap --pfn 0x264 "$ALL"

# pv-cycle: L4 slot 1 -> an L3 whose entry 0 names the L4 (a loop); L4
# slot 493 names the L4 itself (a linear self map).  Both are named and not
# followed.
expect_cmp -s 1 dump-cycle.txt xenpt dump --strict synth:tests/fixtures/pv-cycle.synth
expect_jq '.summary.problems.linear.entries == 2 and ([.summary.problems.linear.listed[] | [.level, .target_level, .index]]
	== [[3, 4, 0], [4, 4, 493]])' xenpt -j dump synth:tests/fixtures/pv-cycle.synth
# pv-badmfn: an L2 entry names a table beyond the host (unreadable), an L1
# entry maps a frame beyond the host (Xen: not the domain's, xtab)
expect_cmp -s 1 dump-badmfn.txt xenpt dump --strict synth:tests/fixtures/pv-badmfn.synth
expect_jq '.summary.problems.unreadable.listed[0] | .target_mfn == "0x1000000" and (.error | contains("beyond the synthetic host"))
	and .start == "0x40000000" and .level == 2' xenpt -j dump synth:tests/fixtures/pv-badmfn.synth
expect_jq '.runs[] | select(.start == "0x404000") | .frame_type == "xtab"' xenpt -j dump synth:tests/fixtures/pv-badmfn.synth

# a core whose page tables are garbage: every problem named, and it ends
need "$CORE_FILE"
cp "$CORE_FILE" garbage.core
# pfn 0x2a13 (the direct map's L2, t201) is page 0x2a13 of .xen_pages:
# find its file offset from the core's own section table
off=$(python3 "$TEST_DIR/coreedit.py" page-offset garbage.core 0x2a13)
expect_ok test -n "$off"
head -c 4096 /dev/urandom >junk
dd if=junk of=garbage.core bs=4096 seek=$((off / 4096)) conv=notrunc status=none
expect_code 1 xenpt dump --strict --max-lines 5 core:garbage.core
expect_jq '.summary.findings > 0 and (.summary.problems | [.[].entries] | add) > 0' xenpt -j dump --max-lines 5 core:garbage.core
done_testing
