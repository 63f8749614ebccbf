#!/bin/sh
test_description='m2p on the real dump-core: the inverted .xen_p2m, every frame pointing back, --all is the domain frames, lookups'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE"

expect_cmp  m2p-core.txt       xenpt m2p "$CORE"
expect_json m2p-core-range.json xenpt -j m2p --range 0x51400-0x515ff "$CORE"
expect_jq '.frames == 32768 and .statuses == {"ok": 32768} and .nr_runs == 64' xenpt -j m2p "$CORE"
# a core knows no other frames: --all says so and shows the same
capture domain xenpt m2p "$CORE"
expect_stderr 0 "knows no frames but the domain's" xenpt m2p --all "$CORE"
capture all xenpt m2p --all "$CORE"
expect_same domain all "m2p --all of a core equals m2p"
# lookups: the marker page's frame (t300: pfn 0x29e4 ==> mfn 0x54de4) and a frame of DOMID_IO
expect_cmp  m2p-core-lookup.txt  xenpt m2p --mfn 0x54de4 --mfn 0x1 "$CORE"
done_testing
