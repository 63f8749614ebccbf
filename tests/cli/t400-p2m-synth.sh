#!/bin/sh
test_description='p2m on the synthetic PV domain: runs with page types, --raw, --range, lookups, JSON, usage errors, unknown targets'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"

# the page tables of the Linux layout sit at the top of its PFNs: vCPU 0's
# kernel L4 is pfn 0x3fb1, its user L4 pfn 0x3fb0 (xenpt vcpu)
expect_cmp  p2m-synth-range.txt   xenpt p2m --range 0x3fa0-0x3fbf "$SYNTH_PV"
expect_cmp  p2m-synth-raw.txt     xenpt p2m --raw --range 0x3fae-0x3fb3 "$SYNTH_PV"
expect_json p2m-synth-range.json  xenpt -j p2m --range 0x3fae-0x3fb3 "$SYNTH_PV"
# the vCPU's CR3 and user L4 are pinned L4s, in JSON too (xenpt vcpu names them)
expect_jq '.runs[0].type == "l4_pinned" and .runs[1].type == "l4_pinned" and .runs[2].type == "l3"' \
	xenpt -j p2m --range 0x3fb0-0x3fb2 "$SYNTH_PV"
# the whole P2M: every PFN once, in order, all mapped
expect_jq '.p2m_size == 16384 and .frames == 16384 and .valid == 16384 and .invalid == 0
	and ([.runs[].count] | add) == 16384 and .typed == true' xenpt -j p2m "$SYNTH_PV"
expect_jq '[.runs[] | select(.type != "none") | .count] | add == 54' xenpt -j p2m "$SYNTH_PV"
expect_ok sh -c '[ "$("$XENPT" p2m --raw "$SYNTH_PV" | wc -l)" -eq 16386 ]'
# lookups: PFN, MFN, beyond the P2M, a frame of DOMID_IO
expect_cmp  p2m-synth-lookup.txt  xenpt p2m --pfn 0x1000 --pfn 0x3fb1 --mfn 0x14a90 --pfn 0x4000 --mfn 0x1 "$SYNTH_PV"
expect_json p2m-synth-lookup.json xenpt -j p2m --pfn 0x1000 --mfn 0x1 "$SYNTH_PV"
# the same frame by PFN and by MFN agree; walk's leaf for kernel text says the same
expect_jq '.lookups[0].mfn == .lookups[1].mfn and .lookups[0].pfn == .lookups[1].pfn
	and .lookups[0].status == "ok" and .lookups[1].status == "ok"' \
	xenpt -j p2m --pfn 0x1000 --mfn 0x17b6c "$SYNTH_PV"
expect_jq '.pfn == "0x1000" and .mfn == "0x17b6c"' xenpt -j walk "$SYNTH_PV" 0xffffffff81000000
# usage errors
expect_fail 2 "no TARGET given" xenpt p2m
expect_fail 2 "--range: 'x' is not a PFN range" xenpt p2m --range x "$SYNTH_PV"
expect_fail 2 "--range: '5-4' is not a PFN range" xenpt p2m --range 5-4 "$SYNTH_PV"
expect_fail 2 "--pfn: 'zz' is not a frame number" xenpt p2m --pfn zz "$SYNTH_PV"
expect_fail 2 "--check checks the whole domain" xenpt p2m --check --raw "$SYNTH_PV"
expect_fail 2 "--no-walk goes with --check" xenpt p2m --no-walk "$SYNTH_PV"
expect_fail 2 "--pfn and --mfn look frames up" xenpt p2m --pfn 1 --range 1-2 "$SYNTH_PV"
expect_fail 2 "unexpected argument 'extra'" xenpt p2m "$SYNTH_PV" extra
expect_fail 2 "unrecognized option|invalid option" xenpt p2m --all "$SYNTH_PV"
expect_fail 2 "pfn 0x4000-0x5000 is outside the P2M \(pfn 0x0-0x3fff, 0x4000 entries\)" \
	xenpt p2m --range 0x4000-0x5000 "$SYNTH_PV"
# unknown and unsuitable targets
expect_fail 2 "tests/fixtures/nonexistent.synth" xenpt p2m synth:tests/fixtures/nonexistent.synth
expect_json -s 2 error-p2m-nonexistent.json xenpt -j p2m synth:tests/fixtures/nonexistent.synth
expect_fail 2 "'bogus/target'" xenpt p2m bogus/target
expect_fail 2 "an HVM/PVH domain has no guest P2M" xenpt p2m "$SYNTH_HVM4"
done_testing
