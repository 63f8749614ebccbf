#!/bin/sh
test_description='p2m/m2p --check: every kind of finding on a planted domain, clean synthetic domains, the real core, JSON, exit codes'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"
BROKEN=synth:tests/fixtures/pv-p2m-broken.synth

# the planted domain (tests/fixtures/pv-p2m-broken.synth says what is where)
expect_cmp -s 1 p2m-check-broken.txt xenpt p2m --check "$BROKEN"
expect_json -s 1 p2m-check-broken.json xenpt -j p2m --check "$BROKEN"
expect_jq -s 1 '.counts == {"m2p_mismatch": 2, "p2m_hole": 1, "duplicate_mfn": 1, "mfn_beyond_host": 1,
	"mapped_not_in_p2m": 2} and .frames.p2m_hole == 3 and .nr_findings == 7 and .clean == false' \
	xenpt -j p2m --check "$BROKEN"
# what a healthy guest may map without owning it is information, not a finding:
# another domain's frame 0x100 and a free frame 0x101 (both XTAB) and the
# shared_info page 0x5e3b; a frame beyond the host and an owned frame whose M2P
# names a P2M hole stay findings
expect_jq -s 1 '.nr_notes == 3 and ([.notes[] | [.kind, .mfn, .va]] ==
	[["xen_or_foreign", "0x100", "0x500000"], ["xen_or_foreign", "0x101", "0x501000"],
	 ["shared_info", "0x5e3b", "0x503000"]])
	and ([.findings[] | select(.kind == "mapped_not_in_p2m") | .mfn] == ["0x20010", "0x11b7b"])
	and .note_frames == {"shared_info": 1, "xen_or_foreign": 2, "not_owned": 0}' \
	xenpt -j p2m --check "$BROKEN"
# m2p --check is the same check
capture -s 1 p2m-check xenpt p2m --check "$BROKEN"
expect_code 1 xenpt m2p --check "$BROKEN"
capture -s 1 m2p-check xenpt m2p --check "$BROKEN"
expect_same p2m-check m2p-check "m2p --check prints what p2m --check prints"
# --no-walk: the tables alone
expect_jq -s 1 '.nr_findings == 5 and .counts.mapped_not_in_p2m == 0 and .walk.walked == false' \
	xenpt -j p2m --check --no-walk "$BROKEN"
# clean domains exit 0
expect_cmp  p2m-check-clean.txt xenpt p2m --check "$SYNTH_PV"
expect_jq '.clean == true and .findings == [] and .walk.roots == 3' xenpt -j p2m --check "$SYNTH_PV"
# every page table of the domain is reached and counted once: as many as the
# frames Xen's model types L1-L4 (the P2M dump's page types)
ntables=$("$XENPT" -j p2m --raw "$SYNTH_PV" | jq '[.runs[] | select(.type | test("l[1-4]"))] | length')
expect_jq ".walk.tables == $ntables and .walk.tables == 54 and .walk.frames == 16384" \
	xenpt -j p2m --check "$SYNTH_PV"
# hostile tables: loops and frames beyond the host end, with findings
expect_code 0 xenpt p2m --check synth:tests/fixtures/pv-cycle.synth
expect_jq -s 1 '.counts.mapped_not_in_p2m == 2 and ([.findings[].mfn] == ["0x1000000", "0x7fffff"])
	and .nr_notes == 0' \
	xenpt -j p2m --check synth:tests/fixtures/pv-badmfn.synth
# the real cores are healthy: exit 0.  What they map without owning it is
# listed: the xenlab domU's shared_info page 0x55208 (xcinfo's shinfo_mfn,
# tests/fixtures/xenlab-domu.README; named by its start_info page) and a
# grant-table frame 0x55200 in vmalloc space; the test guest's shared_info
# 0x52410 (its console line in tests/fixtures/xenpt-testguest.README)
need "$CORE_FILE"
expect_cmp p2m-check-core.txt xenpt p2m --check "$CORE"
expect_jq '.nr_findings == 0 and .clean == true and ([.notes[] | [.kind, .mfn, .va]] ==
	[["not_owned", "0x55200", "0xffffc900400c0000"], ["shared_info", "0x55208", "0xffffffffff57c000"]])
	and .walk.roots == 3 and .p2m_valid == 32768 and .host_known == false
	and .shinfo_max_pfn == "0x8000"' xenpt -j p2m --check "$CORE"
expect_code 0 xenpt p2m --check --no-walk "$CORE"
expect_code 0 xenpt m2p --check "$CORE"
TG=core:build/fixtures/xenpt-testguest.core
expect_jq '.clean == true and ([.notes[] | [.kind, .mfn, .va]] ==
	[["shared_info", "0x52410", "0xffffffff80006000"]])' xenpt -j p2m --check "$TG"
done_testing
