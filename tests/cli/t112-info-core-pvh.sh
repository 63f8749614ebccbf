#!/bin/sh
test_description='list, info and vcpu on the real dump-core of a PVH domU (an HVM container with HAP)'
. "$(dirname "$0")/lib.sh"
need "$CORE_PVH_FILE"

expect_cmp  list-core-pvh.txt   xenpt list "$CORE_PVH"
expect_json list-core-pvh.json  xenpt -j list "$CORE_PVH"
expect_cmp  info-core-pvh.txt   xenpt info "$CORE_PVH"
expect_json info-core-pvh.json  xenpt -j info "$CORE_PVH"
expect_cmp  vcpu-core-pvh.txt   xenpt vcpu "$CORE_PVH"
expect_json vcpu-core-pvh.json  xenpt -j vcpu "$CORE_PVH"
# tests/fixtures/xenlab-domu.README: the same 128 MiB Debian 6.1 domU as a
# PVH guest, 1 vCPU, Xen 4.17.7; its .xen_pfn has 32784 entries of which 47
# are padding (~0): 32737 frames.  An HVM core has no P2M and no MFNs.
expect_jq '.type == "hvm" and .tot_pages == 32737 and .frames_in_source == 32784 and .vcpus == 1
	and .paging_levels == 4 and .xen_version == "4.17.7" and has("max_gfn")
	and (.capabilities | index("p2m")) == null and (.capabilities | index("mfn_frames")) == null' \
	xenpt -j info "$CORE_PVH"
# a PVH kernel runs in ring 0 (cs 0x10, ss 0x18, not Xen's 0xe033) with CR3 a GFN
expect_jq '.[0] | .regs.cs == "0x10" and .regs.ss == "0x18" and .cr3_gfn == "0x56d8"
	and (has("cr3_mfn") | not) and (has("user_cr3") | not)' xenpt -j vcpu "$CORE_PVH"
expect_jq '.[0] | (has("in_kernel") | not) or .in_kernel' xenpt -j vcpu "$CORE_PVH"
# the oracle counts the frames itself
if command -v python3 >/dev/null 2>&1; then
	expect_ok sh -c 'python3 - "$CORE_PVH_FILE" <<"PY"
import struct, sys
f = open(sys.argv[1], "rb"); eh = f.read(64)
shoff, = struct.unpack_from("<Q", eh, 0x28); es, n, si = struct.unpack_from("<HHH", eh, 0x3a)
f.seek(shoff); raw = f.read(es * n)
sh = [struct.unpack_from("<IIQQQQIIQQ", raw, i * es) for i in range(n)]
names = {}
for s in sh:
    f.seek(sh[si][4] + s[0]); names[f.read(32).split(b"\0")[0]] = s
off, size = names[b".xen_pfn"][4:6]; f.seek(off); d = f.read(size)
valid = sum(1 for i in range(size // 8) if struct.unpack_from("<Q", d, i * 8)[0] != 2**64 - 1)
assert valid == 32737 and size // 8 == 32784, (valid, size // 8)
PY'
fi
# usage errors, unknown targets
expect_fail 2 "not available from a core source" xenpt read --mfn 0x1000 "$CORE_PVH" 16
expect_fail 2 "exists only for 64-bit PV guests" xenpt walk --user "$CORE_PVH" 0x400000
expect_fail 2 "build/fixtures/nonexistent-pvh.core" xenpt info core:build/fixtures/nonexistent-pvh.core
done_testing
