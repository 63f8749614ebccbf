#!/bin/sh
test_description='rmap on hostile tables: shared by every slot, self maps and loops'
. "$(dirname "$0")/lib.sh"
need tests/fixtures/pv-shared-all-slots.synth tests/fixtures/pv-cycle.synth
ALL=synth:tests/fixtures/pv-shared-all-slots.synth

# pfn 0x264 is mapped by entry 100 of the one L1 table, reached through
# 496 * 512 * 512 = 130,023,424 paths; the first ones in VA order.
expect_cmp rmap-all-slots.txt xenpt rmap --max-paths 4 --pfn 0x264 "$ALL"
expect_jq '.queries[0].references[0] | .paths == 130023424 and .index == 100
	and (.vas | map(.va)) == ["0x64000", "0x264000"]' xenpt -j rmap --max-paths 2 --pfn 0x264 "$ALL"
expect_stderr 0 "frame cache: .* 4 misses" xenpt rmap --stats --pfn 0x264 "$ALL"
# the L1 table: linked in by all 512 entries of the L2, each 253,952 ways
t1=$(xenpt -j dump --tables "$ALL" | jq -r '.tables[] | select(.level == 1) | .table_mfn')
expect_jq '.queries[0] | .count == 512 and all(.references[]; .kind == "table" and .paths == 253952)
	and .table_level == 1' xenpt -j rmap --max-paths 1 --mfn "$t1" "$ALL"
# pv-cycle: the root L4 is named by its own slot 493 (a linear self map)
# and by entry 0 of the L3 under slot 1 (a loop); neither is followed
l4=$(xenpt -j vcpu synth:tests/fixtures/pv-cycle.synth 0 | jq -r '.[0].cr3')
expect_cmp rmap-cycle.txt xenpt rmap --mfn "$(printf '0x%x' $((l4 >> 12)))" synth:tests/fixtures/pv-cycle.synth
expect_jq '[.queries[0].references[] | select(.kind == "linear") | [.level, .index, .named_level]] == [[4, 493, 4], [3, 0, 4]]' \
	xenpt -j rmap --mfn "$(printf '0x%x' $((l4 >> 12)))" synth:tests/fixtures/pv-cycle.synth
done_testing
