#!/bin/sh
test_description='walk on the real dump-core agrees with an independent reader (core-oracle.py)'
. "$(dirname "$0")/lib.sh"
need "$CORE_FILE" "$MFNDUMP_FILE"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
oracle() { python3 "$TEST_DIR/core-oracle.py" "$CORE_FILE" "$@"; }

# the oracle's parse of the vCPU context agrees with xenpt vcpu
capture vcpu.oracle through "jq -S '{cr3, user_cr3, rip}'" oracle vcpu
capture vcpu.xenpt through "jq -S '.[0] | {cr3, user_cr3, rip: .regs.rip}'" xenpt -j vcpu "$CORE"
expect_same vcpu.oracle vcpu.xenpt "vcpu: cr3, user_cr3 and rip as the oracle reads them"

# Addresses: kernel text, RIP, kernel stack, the per-CPU area (gs_base),
# the direct map (pfn 0 and the marker page), the linear P2M, not present,
# non-canonical, Xen's slots; then a spread over the kernel image and the
# direct map.
vas="0xffffffff81000000 0xffffffff81a442b5 0xffffffff82a03db8 0xffff888007a00000
0xffff888000000000 0xffff8880029e43d4 0xffffc90000000000 0xffffc90000008000
0x1000 0x0000800000000000 0xffff800000000000 0xffff87ffffffffff 0x7ffffffff000"
i=0
while [ $i -lt 24 ]; do
	vas="$vas $(printf '0x%x 0x%x' $((0x7fffffff81000000 + i * 0x12345000)) $((0x7fff888000000000 + i * 0x5a5000)))"
	i=$((i + 1))
done
# (0x7fff... + the offsets, as 0xffff... would overflow sh arithmetic)
vas=$(printf '%s\n' "$vas" | sed 's/\b0x7fff/0xffff/g')
# each walk must succeed (exit 0) and print JSON
walk_each() { # walk_each [--user] VA...
	_u=
	[ "$1" = --user ] && { _u=--user; shift; }
	for va; do through "jq -S -c ." xenpt -j walk $_u "$CORE" "$va" || return 1; done
}
capture walk.oracle through "jq -S -c ." oracle walk $vas
capture walk.xenpt walk_each $vas
expect_same walk.oracle walk.xenpt "walk: $(echo $vas | wc -w) addresses, kernel L4, as the oracle walks them"
# the user L4: busybox text and the last faulting address (CR2)
uvas="0x400000 0x4f0215 0x401000 0x7ffffffde000 0x1000"
capture uwalk.oracle through "jq -S -c ." oracle walk --user $uvas
capture uwalk.xenpt walk_each --user $uvas
expect_same uwalk.oracle uwalk.xenpt "walk --user: $uvas"
# xen-mfndump's listing, taken from the running domain before the dump (and
# not read by xenpt or the oracle): every table a walk passes through has the
# page type of its level (1-4 = L1-L4, +8 pinned), and every PFN/MFN pair a
# walk shows is the listing's
sed -n 's/^ *pfn=\(0x[0-9a-f]*\) ==> mfn=\(0x[0-9a-f]*\) (type \(0x[0-9a-f]*\)).*/\1 \2 \3/p' \
	"$MFNDUMP_FILE" >listing
expect_ok test "$(wc -l <listing)" -eq 32768
cat walk.xenpt uwalk.xenpt | jq -r '.levels[] | select(.table_pfn != null)
	| "\(.table_pfn) \(.table_mfn) L\(.level)"' | sort -u >tables
capture tables.bad awk 'NR == FNR { mfn[$1] = $2; t = index("0123456789abcdef", substr($3, 3, 1)) - 1
                 lvl[$1] = (t >= 9 && t <= 12) ? t - 8 : t; next }
     { want = substr($3, 2) + 0
       if (mfn[$1] != $2 || lvl[$1] != want)
           printf "%s %s %s: xen-mfndump says mfn %s type L%s\n", $1, $2, $3, mfn[$1], lvl[$1] }' \
	listing tables
expect_empty tables.bad "walked tables have their level's page type and MFN in xen-mfndump's listing"
cat walk.xenpt uwalk.xenpt | jq -r 'select(.pfn != null) | "\(.pfn) \(.mfn)"' | sort -u >pages
capture pages.bad awk 'NR == FNR { mfn[$1] = $2; next } mfn[$1] != $2 { print $1, $2, "listing:", mfn[$1] }' \
	listing pages
expect_empty pages.bad "walked pages have the MFN xen-mfndump lists for their PFN"
expect_ok test -s tables -a -s pages
echo "# $(wc -l <tables) tables and $(wc -l <pages) pages checked against xen-mfndump"
# read: the bytes the oracle finds through its own walk
capture read.oracle oracle read 0xffff8880029e43d0 64
capture read.xenpt through "jq -r .hex" xenpt -j read "$CORE" 0xffff8880029e43d0 64
expect_same read.oracle read.xenpt "read 64 bytes at the marker"
capture read2.oracle oracle read 0xffff8880029e4ff0 32
capture read2.xenpt through "jq -r .hex" xenpt -j read "$CORE" 0xffff8880029e4ff0 32
expect_same read2.oracle read2.xenpt "read across a page boundary"
done_testing
