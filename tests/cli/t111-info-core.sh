#!/bin/sh
test_description='info on the real dump-core, checked against the facts xcinfo recorded at dump time'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE"

expect_cmp  info-core.txt   xenpt info "$CORE"
expect_json info-core.json  xenpt -j info "$CORE"
# tests/fixtures/xenlab-domu.README: tot_pages 32768, vcpus 1, guest_width 8,
# max_gpfn 0x7fff; shared_info: max_pfn=0x8000
# pfn_to_mfn_frame_list_list=0x52765 p2m_cr3=0x54a10000 p2m_vaddr=0xffffc90000000000;
# Xen 4.17.7
expect_jq '.tot_pages == 32768 and .vcpus == 1 and .online_vcpus == 1 and .guest_width_bits == 64
	and .max_pfn == "0x7fff" and .p2m_size == 32768 and .xen_version == "4.17.7"' xenpt -j info "$CORE"
expect_jq '.shared_info.max_pfn == "0x8000" and .shared_info.pfn_to_mfn_frame_list_list == "0x52765"
	and .shared_info.p2m_cr3 == "0x54a10000" and .shared_info.p2m_vaddr == "0xffffc90000000000"' \
	xenpt -j info "$CORE"
# a core file is read-only and offline
expect_jq '(.capabilities | index("live")) == null and (.capabilities | index("write")) == null
	and (.capabilities | index("p2m")) != null' xenpt -j info "$CORE"
# usage errors
expect_fail 2 "no TARGET given" xenpt info
expect_fail 2 "unexpected argument 'extra'" xenpt info "$CORE" extra
# unknown targets are named
expect_fail 2 "tests/fixtures/nonexistent.core" xenpt info core:tests/fixtures/nonexistent.core
expect_fail 2 "'bogus/target'" xenpt info bogus/target

expect_fail 2 "no-such-domain" xenpt info no-such-domain
done_testing
