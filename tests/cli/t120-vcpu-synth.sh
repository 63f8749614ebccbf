#!/bin/sh
test_description='vcpu on the synthetic PV fixture: a process in a system call on vCPU 0, idle vCPU 1'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"

expect_cmp  vcpu-synth.txt       xenpt vcpu "$SYNTH_PV"
expect_cmp  vcpu-synth-1.txt     xenpt vcpu "$SYNTH_PV" 1
expect_cmp  vcpu-synth-all.txt   xenpt vcpu --all "$SYNTH_PV" 0
expect_json vcpu-synth.json      xenpt -j vcpu "$SYNTH_PV"
expect_json vcpu-synth-all.json  xenpt --pretty vcpu --all "$SYNTH_PV" 0
# xenpt-synth(5) layout linux: vCPU 0's rip = text + 0xa3f17, rsi = the user
# heap string (0x1a00010), rcx = user text + 0x1234, gs_base = the direct-map
# alias of .data (PFN 0x1300), the kernel stack 16 KiB after the P2M and a
# guard page; the #PF handler at text + 0x1f0000 + 0x40 * 14
expect_jq '.[0] | .regs.rip == "0xffffffff810a3f17" and .regs.rsi == "0x1a00010"
	and .regs.rcx == "0x401234" and .gs_base_kernel == "0xffff888001300000"
	and .kernel_sp == "0xffffc90000025000" and .page_fault_handler.address == "0xffffffff811f0380"
	and .user_cr3 != "0x0" and .in_kernel' xenpt -j vcpu "$SYNTH_PV" 0
expect_jq '.[0] | .vcpu == 1 and .user_cr3 == "0x0" and (has("user_cr3_mfn") | not)
	and .kernel_sp == "0xffffc9000002a000"' xenpt -j vcpu "$SYNTH_PV" 1
# vectors with a handler: 0 1 3 4 5 6 7 9 10 11 12 13 14 16-21 and 0x80
expect_jq '[.[0].traps[].vector] == [0,1,3,4,5,6,7,9,10,11,12,13,14,16,17,18,19,20,21,128]' \
	xenpt -j vcpu -a "$SYNTH_PV" 0
# CR3's PFN label comes from the M2P: the P2M maps it back
cr3_pfn=$(xenpt -j vcpu "$SYNTH_PV" 0 | jq -r '.[0].cr3_pfn')
cr3_mfn=$(xenpt -j vcpu "$SYNTH_PV" 0 | jq -r '.[0].cr3_mfn')
expect_jq ".hex == \"$(printf '%016x' "$cr3_mfn" | sed 's/\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)/\8\7\6\5\4\3\2\1/')\"" \
	xenpt -j read "$SYNTH_PV" "$(printf '0xffffc9%010x' $((cr3_pfn * 8)))" 8
# HVM: CR3 as a GFN, no PV fields
expect_jq '.[0] | has("cr3_gfn") and (has("user_cr3") | not) and (has("page_fault_handler") | not)' \
	xenpt -j vcpu "$SYNTH_HVM4"
# usage errors, unknown targets
expect_fail 2 "no TARGET given" xenpt vcpu
expect_fail 2 "has no vCPU 2 \(vCPUs 0-1\)" xenpt vcpu "$SYNTH_PV" 2
expect_fail 2 "'-3'|invalid option" xenpt vcpu "$SYNTH_PV" -3
expect_json -s 2 error-vcpu-range.json xenpt -j vcpu "$SYNTH_PV" 2
expect_fail 2 "tests/fixtures/nonexistent.synth" xenpt vcpu synth:tests/fixtures/nonexistent.synth
done_testing
