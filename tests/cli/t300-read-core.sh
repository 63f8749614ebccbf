#!/bin/sh
test_description='read on the real dump-core: the marker string, raw bytes, page boundaries, --gfn/--mfn, the linear P2M'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE"

# Facts: the guest's init wrote XENLAB-DOMU-MARKER- (fixture README); the
# first copy in .xen_pages is page index 0x29e4, offset 0x3d4, and the
# core's .xen_p2m (and xen-mfndump) say pfn 0x29e4 ==> mfn 0x54de4; the
# direct map starts at 0xffff888000000000 with pfn 0 (t201), so the VA is
# 0xffff8880029e43d4.
M=0xffff8880029e43d4
expect_cmp  read-core-marker.txt   xenpt read "$CORE" 0xffff8880029e43d0 64
expect_json read-core-marker.json  xenpt -j read "$CORE" $M 19
printf 'XENLAB-DOMU-MARKER-' >marker
expect_bytes marker xenpt read --raw "$CORE" $M 19
expect_bytes marker xenpt read -R "$CORE" $M 0x13
# the same bytes by guest frame and by machine frame (whole page, then cut)
xenpt read --raw "$CORE" 0xffff8880029e4000 4096 >page.va
expect_bytes page.va xenpt read --raw --gfn 0x29e4 "$CORE" 4096
expect_bytes page.va xenpt read --raw --mfn 0x54de4 "$CORE" 4096
# the next page starts with the marker (see the boundary read below):
# pfn 0x29e5 ==> mfn 0x54de5 (xen-mfndump)
expect_cmp  read-core-gfn.txt  xenpt read --gfn 0x29e5 "$CORE" 32
expect_cmp  read-core-mfn.txt  xenpt read --mfn 0x54de5 "$CORE" 32
expect_json read-core-gfn.json xenpt -j read --gfn 0x29e5 "$CORE" 16
expect_jq '.space == "maddr" and .address == "0x54de5000" and .length == 16
	and .hex == "58454e4c41422d444f4d552d4d41524b"' xenpt -j read --mfn 0x54de5 "$CORE" 16
# default length: 256 bytes, 16 lines
expect_ok sh -c '[ "$("$XENPT" read "$CORE" '$M' | wc -l)" -eq 17 ]'
expect_jq '.length == 256 and (.hex | length) == 512' xenpt -j read "$CORE" $M
# across a page boundary (pfn 0x29e4 -> 0x29e5, not adjacent in machine memory
# in general: each page is translated on its own)
expect_cmp  read-core-boundary.txt  xenpt read "$CORE" 0xffff8880029e4ff0 32
# the linear P2M at p2m_vaddr holds MFNs: pfn 0..3 ==> 0x55000..0x55003 and
# pfn 0x1000 ==> 0x51c00 (xen-mfndump)
expect_cmp  read-core-p2m.txt  xenpt read "$CORE" 0xffffc90000000000 32
expect_jq '.hex == "001c050000000000"' xenpt -j read "$CORE" 0xffffc90000008000 8
# an unmapped page stops the read: exit 2, the error names the VA
expect_fail 2 "va 0x1000 is not mapped" xenpt read "$CORE" 0x1000 16
expect_cmp -s 2 -e read-core-unmapped.txt xenpt read "$CORE" 0x1000 16
expect_json -s 2 read-core-unmapped.json xenpt -j read "$CORE" 0x1000 16
# the bytes before a hole are printed, then the error (0xffff888007fff000 is
# the last page of 128 MiB of direct map; 0xffff888008000000 is past it)
expect_fail 2 "va 0xffff888008000000 is not mapped.*bytes before it were printed" \
	xenpt read "$CORE" 0xffff888007fffff0 32
expect_cmp -s 2 read-core-partial.txt xenpt read "$CORE" 0xffff888007fffff0 32
# frames that are not in the core
expect_fail 2 "gfn 0x99999999[^0-9a-f]" xenpt read --gfn 0x99999999 "$CORE" 16
expect_fail 2 "mfn 0x1: frame not in the core file" xenpt read --mfn 0x1 "$CORE" 16
# usage errors
expect_fail 2 "no TARGET given" xenpt read
expect_fail 2 "give a VA, --gfn GFN or --mfn MFN" xenpt read "$CORE"
expect_fail 2 "'0' is not a length" xenpt read "$CORE" $M 0
expect_fail 2 "'zz' is not a length" xenpt read "$CORE" $M zz
expect_fail 2 "'nope' is not a virtual address" xenpt read "$CORE" nope
expect_fail 2 "--raw and --json exclude each other" xenpt read --raw --json "$CORE" $M
expect_fail 2 "--gfn: 'x' is not a frame number" xenpt read --gfn x "$CORE"
expect_fail 2 "unexpected argument" xenpt read --gfn 1 "$CORE" 16 extra
expect_fail 2 "wraps around" xenpt read "$CORE" 0xfffffffffffffff0 32
# unknown targets are named
expect_fail 2 "tests/fixtures/nonexistent.core" xenpt read core:tests/fixtures/nonexistent.core $M
expect_fail 2 "'bogus/target'" xenpt read bogus/target $M
done_testing
