#!/bin/sh
test_description='info on the synthetic PV fixture: shared_info as layout linux publishes it'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"

expect_cmp  info-synth.txt   xenpt info "$SYNTH_PV"
expect_json info-synth.json  xenpt -j info "$SYNTH_PV"
# xenpt-synth(5) "layout linux": shared_info max_pfn = the P2M size (0x4000),
# p2m_vaddr = 0xffffc90000000000, p2m_cr3 = the "init" root, which is what
# idle vCPU 1 runs on; wallclock 1763719200.123456789, 2 pending and 1
# masked event channels
expect_jq '.shared_info.max_pfn == "0x4000" and .shared_info.p2m_vaddr == "0xffffc90000000000"
	and .shared_info.wc_sec == 1763719200 and .shared_info.wc_nsec == 123456789
	and .shared_info.pending_event_channels == 2 and .shared_info.masked_event_channels == 1
	and .p2m_size == 16384 and .max_pfn == "0x3fff" and .vcpus == 2' xenpt -j info "$SYNTH_PV"
capture p2m_cr3 through "jq -r .shared_info.p2m_cr3" xenpt -j info "$SYNTH_PV"
capture cr3_vcpu1 through "jq -r '.[0].cr3'" xenpt -j vcpu "$SYNTH_PV" 1
expect_same p2m_cr3 cr3_vcpu1 "p2m_cr3 is vCPU 1's CR3 (the init root)"
# the frame-list list names the frame lists, whose entries are the MFNs of the
# linear P2M's pages: the first one maps PFNs 0-511
fll=$(xenpt -j info "$SYNTH_PV" | jq -r .shared_info.pfn_to_mfn_frame_list_list)
xenpt -j read --mfn "$fll" "$SYNTH_PV" 8 | jq -r .hex >fl0.le
xenpt -j walk "$SYNTH_PV" 0xffffc90000000000 | jq -r '.pfn' >p2m0.pfn
expect_ok sh -c '[ -s fl0.le ]'
fl0=$(sed 's/\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)/0x\8\7\6\5\4\3\2\1/' fl0.le)
xenpt -j read --mfn "$(printf '0x%x' "$fl0")" "$SYNTH_PV" 8 | jq -r .hex >leaf0.le
xenpt -j walk "$SYNTH_PV" 0xffffc90000000000 | jq -r .mfn >leaf0.mfn
expect_ok sh -c '[ "$(sed "s/\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)/\8\7\6\5\4\3\2\1/" leaf0.le | sed "s/^0*/0x/")" = "$(cat leaf0.mfn)" ]'
# source capabilities: a synthetic domain knows page types, not live, not writable here
expect_jq '(.capabilities | index("page_types")) != null and (.capabilities | index("live")) == null' \
	xenpt -j info "$SYNTH_PV"
# HVM: no shared_info P2M, GFN labels
expect_cmp  info-synth-hvm4.txt  xenpt info "$SYNTH_HVM4"
expect_jq '.type == "hvm" and has("max_gfn") and (has("max_pfn") | not)' xenpt -j info "$SYNTH_HVM4"
# usage errors, unknown targets
expect_fail 2 "no TARGET given" xenpt info
expect_fail 2 "unexpected argument 'extra'" xenpt info "$SYNTH_PV" extra
expect_fail 2 "tests/fixtures/nonexistent.synth" xenpt info synth:tests/fixtures/nonexistent.synth
done_testing
