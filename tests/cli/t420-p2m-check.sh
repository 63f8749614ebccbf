#!/bin/sh
test_description='p2m/m2p --check: every kind of finding on a planted domain, clean synthetic domains, the real core, JSON, exit codes'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"
BROKEN=synth:tests/fixtures/pv-p2m-broken.synth

# the planted domain (tests/fixtures/pv-p2m-broken.synth says what is where)
expect_cmp -s 1 p2m-check-broken.txt xenpt p2m --check "$BROKEN"
expect_json -s 1 p2m-check-broken.json xenpt -j p2m --check "$BROKEN"
expect_jq -s 1 '.counts == {"m2p_mismatch": 2, "p2m_hole": 1, "duplicate_mfn": 1, "mfn_beyond_host": 1,
	"mapped_not_in_p2m": 5} and .frames.p2m_hole == 3 and .nr_findings == 10 and .clean == false' \
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
# hostile tables: loops and frames beyond the host end, with findings
expect_code 0 xenpt p2m --check synth:tests/fixtures/pv-cycle.synth
expect_jq -s 1 '.counts.mapped_not_in_p2m == 2 and ([.findings[].mfn] == ["0x7fffff", "0x1000000"])' \
	xenpt -j p2m --check synth:tests/fixtures/pv-badmfn.synth
# the real core: clean but for the two Xen pages a Linux PV guest maps that
# no P2M holds (shared_info at mfn 0x55208, a grant-table frame at 0x55200)
need "$CORE_FILE"
expect_cmp -s 1 p2m-check-core.txt xenpt p2m --check "$CORE"
expect_jq -s 1 '.nr_findings == 2 and ([.findings[].mfn] == ["0x55200", "0x55208"])
	and .walk.roots == 3 and .p2m_valid == 32768 and .host_known == false' xenpt -j p2m --check "$CORE"
expect_code 0 xenpt p2m --check --no-walk "$CORE"
done_testing
