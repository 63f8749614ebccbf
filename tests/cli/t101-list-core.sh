#!/bin/sh
test_description='list on the real dump-core of a 64-bit PV Linux domU (xenlab)'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE"

expect_cmp  list-core.txt   xenpt list "$CORE"
expect_json list-core.json  xenpt -j list "$CORE"
# facts from tests/fixtures/xenlab-domu.README (xcinfo at dump time):
# tot_pages 32768, 1 vCPU, guest_width 8 (64-bit), 4 paging levels
expect_jq 'length == 1 and .[0].type == "pv" and .[0].tot_pages == 32768 and .[0].vcpus == 1
	and .[0].guest_width_bits == 64 and .[0].paging_levels == 4 and .[0].source == "core"' \
	xenpt -j list "$CORE"
# an xl dump-core records no domain id: it must not pass for dom0
expect_jq '.[0].domid == null' xenpt -j list "$CORE"
# usage errors
expect_fail 2 "unexpected argument 'extra'" xenpt list "$CORE" extra
expect_fail 2 "usage: xenpt list \[OPTIONS\] \[TARGET\]" xenpt list --nope "$CORE"
# unknown targets are named
expect_fail 2 "core file tests/fixtures/nonexistent.core" xenpt list core:tests/fixtures/nonexistent.core
expect_fail 2 "'bogus/target'" xenpt list bogus/target
expect_fail 2 "'foo:bar'" xenpt list foo:bar
expect_fail 2 "core: no file name" xenpt list core:
expect_fail 2 "^xenpt list: core file tests/fixtures/xenlab-domu.README: no ELF magic" \
	xenpt list core:tests/fixtures/xenlab-domu.README
# the advice is a hint of its own, on its own line
expect_fail 2 "^hint: .*not an .xl dump-core. file" \
	xenpt list core:tests/fixtures/xenlab-domu.README
expect_json -s 2 error-list-nonexistent.json xenpt -j list core:tests/fixtures/nonexistent.core
# without a TARGET: the live host; off dom0 that is an error with a hint
if [ ! -e /dev/xen/privcmd ]; then
	expect_fail 2 "hint|give it: 'xenpt list core:FILE'" xenpt list
fi
done_testing
