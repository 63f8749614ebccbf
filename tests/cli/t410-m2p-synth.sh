#!/bin/sh
test_description='m2p on the synthetic PV domain: the domain frames, --all over the host, lookups, JSON, usage errors, unknown targets'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"

expect_cmp  m2p-synth-range.txt  xenpt m2p --range 0x14a80-0x14aff "$SYNTH_PV"
expect_cmp  m2p-synth-all.txt    xenpt m2p --all --range 0x100-0x11f "$SYNTH_PV"
expect_json m2p-synth-all.json   xenpt -j m2p --all --raw --range 0x100-0x107 "$SYNTH_PV"
# the domain's frames: each of its 16384 MFNs once, every one pointing back
expect_jq '.frames == 16384 and .statuses == {"ok": 16384} and .frames_shown == "domain"' \
	xenpt -j m2p "$SYNTH_PV"
# the whole synthetic host: 0x20000 MFNs; the domain's ok, the rest free or other
expect_jq '.frames == 131072 and .statuses.ok == 16384 and .statuses.free > 0 and .statuses.other > 0
	and (.statuses | keys) == ["free", "ok", "other"]' xenpt -j m2p --all "$SYNTH_PV"
# lookups: by MFN first
expect_cmp  m2p-synth-lookup.txt xenpt m2p --mfn 0x14a90 --mfn 0x100 --mfn 0x107 --pfn 0x3fb1 "$SYNTH_PV"
expect_jq '.lookups[0].query == "mfn" and .lookups[0].pfn == "0x3fb1" and .lookups[0].type == "l4_pinned"
	and .lookups[1].status == "other" and .lookups[2].status == "free" and .lookups[3].query == "pfn"' \
	xenpt -j m2p --mfn 0x14a90 --mfn 0x100 --mfn 0x107 --pfn 0x3fb1 "$SYNTH_PV"
# usage errors
expect_fail 2 "no TARGET given" xenpt m2p
expect_fail 2 "--range: '0x10-0x1' is not a MFN range" xenpt m2p --range 0x10-0x1 "$SYNTH_PV"
expect_fail 2 "--mfn: 'q' is not a frame number" xenpt m2p --mfn q "$SYNTH_PV"
expect_fail 2 "--check checks the whole domain: it takes no --raw, --range, --pfn, --mfn or --all" \
	xenpt m2p --check --all "$SYNTH_PV"
expect_fail 2 "--pfn and --mfn look frames up: they take no --raw, --range or --all" \
	xenpt m2p --mfn 1 --all "$SYNTH_PV"
expect_fail 2 "unexpected argument 'x'" xenpt m2p "$SYNTH_PV" x
# unknown and unsuitable targets
expect_fail 2 "tests/fixtures/nonexistent.synth" xenpt m2p synth:tests/fixtures/nonexistent.synth
expect_json -s 2 error-m2p-nonexistent.json xenpt -j m2p synth:tests/fixtures/nonexistent.synth
expect_fail 2 "'no/such'" xenpt m2p no/such
expect_fail 2 "an HVM/PVH domain has no guest P2M" xenpt m2p "$SYNTH_HVM4"
done_testing
