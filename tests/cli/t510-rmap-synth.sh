#!/bin/sh
test_description='rmap on the synthetic PV fixture: leaves, tables, several queries, roots, errors'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"

# Facts (t200, xenpt-synth(5)): pfn 0x1000 is the first kernel text page,
# mapped at 0xffffffff81000000 and in the direct map at 0xffff888001000000,
# both in the kernel half that the "init" root (vCPU 1) and the process's
# "kernel" root (vCPU 0) share: each entry has two paths;
# the heap page at 0x1a00000 is in the "kernel" root and, shared, in the
# "user" root: the same L1 entry, two paths.
expect_cmp  rmap-synth.txt   xenpt rmap --pfn 0x1000 --pfn 0x3f80 "$SYNTH_PV"
expect_json rmap-synth.json  xenpt -j rmap --pfn 0x1000 --pfn 0x3f80 "$SYNTH_PV"
expect_jq '.queries[0].references | map(.vas[].va) | unique == ["0xffff888001000000", "0xffffffff81000000"]' \
	xenpt -j rmap --pfn 0x1000 "$SYNTH_PV"
expect_jq '.roots | map(.name) == ["vCPU 0 kernel L4", "vCPU 0 user L4", "vCPU 1 kernel L4"]' xenpt -j rmap --pfn 0 "$SYNTH_PV"
# the heap page: one L1 entry reached from the kernel and the user L4
expect_jq '[.queries[0].references[] | select(.kind == "leaf" and .level == 1) | .vas[] | select(.va == "0x1a00000") | .root]
	| sort == ["vCPU 0 kernel L4", "vCPU 0 user L4"]' xenpt -j rmap --pfn 0x3f80 "$SYNTH_PV"
# --mfn and --pfn name the same frame
m=$(xenpt -j rmap --pfn 0x1000 "$SYNTH_PV" | jq -r '.queries[0].mfn')
expect_ok test -n "$m" -a "$m" != null
capture by-pfn through "jq -S .queries" xenpt -j rmap --pfn 0x1000 "$SYNTH_PV"
capture by-mfn through "jq -S .queries" xenpt -j rmap --mfn "$m" "$SYNTH_PV"
expect_same by-pfn by-mfn "--mfn of pfn 0x1000's frame answers like --pfn 0x1000"
# a table: vCPU 0's kernel L4 is a root; the L1 of the kernel text is
# linked in by one L2 entry, and mapped read-only in the direct map
l4=$(xenpt -j vcpu "$SYNTH_PV" 0 | jq -r '.[0].cr3')
expect_jq '.queries[0].roots == ["vCPU 0 kernel L4"] and .queries[0].table_level == 4' \
	xenpt -j rmap --mfn "$(printf '0x%x' $((l4 >> 12)))" "$SYNTH_PV"
l1=$(xenpt -j walk "$SYNTH_PV" 0xffffffff81000000 | jq -r '.levels[3].table_mfn')
expect_jq '.queries[0].table_level == 1 and ([.queries[0].references[] | .kind] | sort) == ["leaf", "table"]
	and (.queries[0].references[] | select(.kind == "table") | .level == 2 and .vas[0].va == "0xffffffff81000000")' \
	xenpt -j rmap --mfn "$l1" "$SYNTH_PV"
# --max-paths limits the VAs shown, not the count
expect_jq '.queries[0].references | map(.paths) | add == 4' xenpt -j rmap --max-paths 0 --pfn 0x1000 "$SYNTH_PV"
expect_jq '.queries[0].references | map(.vas | length) | add == 0' xenpt -j rmap --max-paths 0 --pfn 0x1000 "$SYNTH_PV"
# a frame nothing references
expect_jq '.queries[0].count == 0 and .queries[0].references == []' xenpt -j rmap --mfn 0x7 "$SYNTH_PV"
# usage errors and unknown targets
expect_fail 2 "no frame given" xenpt rmap "$SYNTH_PV"
expect_fail 2 "no TARGET given" xenpt rmap --pfn 1
expect_fail 2 "--mfn: 'x1' is not a frame number" xenpt rmap --mfn x1 "$SYNTH_PV"
expect_fail 2 "pfn 0x100000000 has no machine frame" xenpt rmap --pfn 0x100000000 "$SYNTH_PV"
expect_fail 2 "tests/fixtures/nonexistent.synth" xenpt rmap --pfn 1 synth:tests/fixtures/nonexistent.synth
expect_json -s 2 error-rmap-synth-nonexistent.json xenpt -j rmap --pfn 1 synth:tests/fixtures/nonexistent.synth
done_testing
