#!/bin/sh
test_description='walk agrees with the frames themselves: a synthetic page names its own PFN and MFN'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE"

# xenpt-synth(5): a data page that was never written starts with
# "xenpt-synth dDOMID pfn 0xPFN mfn 0xMFN\n", generated from the frame's
# identity, not from the page tables.  So for any VA, what `walk` says the
# PFN and MFN are must be what the page it lands on says about itself.
# (Not for pages written by the layout or the fixture, such as the banner
# at the start of .rodata, nor for page-table frames.)
for va in 0xffffffff81000000 0xffffffff81001000 0xffffffff811ff000 0xffffffff81201000 \
	0xffffffff81380000 0xffff888000000000 0xffff888001000000 0xffff888002000000 \
	0x400000 0x600000 0x1a01000 0x7ffff7dc0000 0x7ffffffde000; do
	capture walked through "jq -r '\"xenpt-synth d7 pfn \\(.pfn) mfn \\(.mfn)\"'" xenpt -j walk "$SYNTH_PV" $va
	capture header through "head -n 1" xenpt read --raw "$SYNTH_PV" $va 64
	expect_same walked header "page at $va names the frame walk found"
done
done_testing
