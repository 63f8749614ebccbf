#!/bin/sh
test_description='read on the synthetic fixtures: the strings the fixtures wrote, raw bytes, page boundaries, --gfn/--mfn'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"

# The strings come from the fixture's own "write [root=R] va=VA "TEXT"" lines.
written() { # written FILE N: "root|va|text" of the Nth write line
	sed -n 's/^write \(root=\([a-z]*\) \)\{0,1\}va=\([0-9a-fx]*\) "\(.*\)"$/\2|\3|\4/p' "$1" | sed -n "${2}p"
}
kva=$(written "$SYNTH_PV_FILE" 1 | cut -d'|' -f2)
ktext=$(written "$SYNTH_PV_FILE" 1 | cut -d'|' -f3-)
uroot=$(written "$SYNTH_PV_FILE" 2 | cut -d'|' -f1)
uva=$(written "$SYNTH_PV_FILE" 2 | cut -d'|' -f2)
utext=$(written "$SYNTH_PV_FILE" 2 | cut -d'|' -f3-)
expect_ok test "$kva" = 0xffffffff81300040 -a "$uroot" = user -a "$uva" = 0x1a00010

# the text may end in \0 (and hold other escapes): as the fixture means it
printf '%b' "$ktext" >ktext
printf '%b' "$utext" >utext
klen=$(wc -c <ktext)
ulen=$(wc -c <utext)
expect_bytes ktext xenpt read --raw "$SYNTH_PV" "$kva" "$klen"
# the user heap string through the user L4 (and through the kernel L4, which
# has the same user half); vCPU 0's rsi points at it
expect_bytes utext xenpt read --raw --user "$SYNTH_PV" "$uva" "$ulen"
expect_bytes utext xenpt read --raw "$SYNTH_PV" "$uva" "$ulen"
rsi=$(xenpt -j vcpu "$SYNTH_PV" 0 | jq -r '.[0].regs.rsi')
expect_bytes utext xenpt read --raw "$SYNTH_PV" "$rsi" "$ulen"
# ... but not through the idle vCPU's init root
expect_fail 2 "va 0x1a00010 is not mapped" xenpt read --vcpu 1 "$SYNTH_PV" "$uva" 16

# hexdumps and JSON
expect_cmp  read-synth-kdata.txt   xenpt read "$SYNTH_PV" 0xffffffff81300040 48
expect_json read-synth-kdata.json  xenpt -j read "$SYNTH_PV" 0xffffffff81300040 48
expect_cmp  read-synth-user.txt    xenpt read --user "$SYNTH_PV" 0x1a00000 64
# the banner layout linux writes at the start of .rodata
expect_cmp  read-synth-banner.txt  xenpt read "$SYNTH_PV" 0xffffffff81200000 0x56
# the #PF handler's code (push %rbp; mov %rsp,%rbp; nop; pop %rbp; ret; int3; int3)
expect_jq '.hex | startswith("554889e5905dc3cccc")' xenpt -j read "$SYNTH_PV" 0xffffffff811f0380 16

# across a page boundary: two pages of text, each with its own frame header
expect_cmp  read-synth-boundary.txt xenpt read "$SYNTH_PV" 0xffffffff81000ff0 48
# across the end of the linear P2M into its guard page: the bytes before are
# printed, then exit 2 naming the unmapped VA
expect_cmp -s 2 -e read-synth-guard.txt xenpt read "$SYNTH_PV" 0xffffc9000001fff0 32
expect_fail 2 "va 0xffffc90000020000 is not mapped" xenpt read "$SYNTH_PV" 0xffffc9000001fff0 32
expect_json -s 2 read-synth-guard.json xenpt -j read "$SYNTH_PV" 0xffffc9000001fff0 32
expect_fail 2 "va 0x1000 is not mapped" xenpt read "$SYNTH_PV" 0x1000
expect_fail 2 "va 0xffff800000000000 is not mapped" xenpt read "$SYNTH_PV" 0xffff800000000000 8

# --gfn and --mfn read the same bytes as the VA (kernel .data: PFN 0x1300)
mfn=$(xenpt -j walk "$SYNTH_PV" 0xffffffff81300000 | jq -r .mfn)
xenpt read --raw "$SYNTH_PV" 0xffffffff81300000 4096 >page.va
expect_bytes page.va xenpt read --raw --gfn 0x1300 "$SYNTH_PV" 4096
expect_bytes page.va xenpt read --raw --mfn "$mfn" "$SYNTH_PV" 4096
expect_cmp  read-synth-gfn.txt  xenpt read --gfn 0x1300 "$SYNTH_PV" 80
expect_json read-synth-gfn.json xenpt -j read --gfn 0x1300 "$SYNTH_PV" 16
expect_jq '.space == "maddr" and .length == 16' xenpt -j read --mfn "$mfn" "$SYNTH_PV" 16
# HVM: by VA and by GFN; there are no MFNs to read from a synth HVM source
printf 'xenpt demo: hello from hvm-4level' >hvm4text
expect_bytes hvm4text xenpt read --raw "$SYNTH_HVM4" 0xffffffff81100010 33
expect_bytes hvm4text sh -c '"$XENPT" read --raw --gfn 0x1100 "$SYNTH_HVM4" 0x31 | tail -c 33'
expect_fail 2 "not available from a synth source" xenpt read --mfn 0x1000 "$SYNTH_HVM4" 16
# a 4M page (hvm-2level) and a 1G page (hvm-4level) read like any other
expect_jq '.hex == "78656e70742064656d6f3a2068656c6c6f2066726f6d2068766d2d326c6576656c"' \
	xenpt -j read "$SYNTH_HVM2" 0xc0200000 33
# usage errors, unknown targets
expect_fail 2 "give a VA, --gfn GFN or --mfn MFN" xenpt read "$SYNTH_PV"
expect_fail 2 "--raw and --json exclude each other" xenpt -j read --raw "$SYNTH_PV" 0x1a00010
expect_fail 2 "tests/fixtures/nonexistent.synth" xenpt read synth:tests/fixtures/nonexistent.synth 0x1000
done_testing
