#!/bin/sh
test_description='list on the synthetic fixtures (PV and HVM)'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"

# tests/fixtures/pv-linux.synth: domain pv, name demo-pv, domid 7, 64M
# (0x4000 pages), 2 vCPUs
expect_cmp  list-synth.txt   xenpt list "$SYNTH_PV"
expect_json list-synth.json  xenpt -j list "$SYNTH_PV"
expect_jq '.[0] | .domid == 7 and .name == "demo-pv" and .type == "pv" and .tot_pages == 16384
	and .vcpus == 2 and .guest_width_bits == 64 and .paging_levels == 4 and .source == "synth"' \
	xenpt -j list "$SYNTH_PV"
# the HVM ones: paging levels from the mode; 2 GiB less the VGA hole (0xa0-0xbf)
expect_cmp  list-synth-hvm4.txt  xenpt list "$SYNTH_HVM4"
expect_jq '.[0] | .domid == 11 and .type == "hvm" and .hap and .paging_levels == 4
	and .max_pages == 524288 and .tot_pages == 524256' xenpt -j list "$SYNTH_HVM4"
expect_jq '.[0] | .paging_levels == 5' xenpt -j list "$SYNTH_HVM5"
expect_jq '.[0] | .paging_levels == 3 and .domid == 13' xenpt -j list "$SYNTH_HVMPAE"
expect_jq '.[0] | .paging_levels == 2 and .domid == 14' xenpt -j list "$SYNTH_HVM2"
# usage error, unknown targets (named)
expect_fail 2 "unexpected argument 'extra'" xenpt list "$SYNTH_PV" extra
expect_fail 2 "tests/fixtures/nonexistent.synth" xenpt list synth:tests/fixtures/nonexistent.synth
expect_fail 2 "synth: no file name" xenpt list synth:
expect_json -s 2 error-list-synth-nonexistent.json xenpt -j list synth:tests/fixtures/nonexistent.synth
# a file that is not a synthetic spec is refused with its name
expect_fail 2 "tests/fixtures/xenlab-domu.README" xenpt list synth:tests/fixtures/xenlab-domu.README
done_testing
