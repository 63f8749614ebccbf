#!/bin/sh
test_description='read: LEN takes binary K, M and G suffixes (1K = 1024), and the same limits as plain numbers'
. "$(dirname "$0")/lib.sh"

T=$SYNTH_PV
va=0xffffffff81300000   # kernel .data of the synthetic PV guest: mapped, several pages

xenpt read --raw "$T" $va 4096 >page4096
xenpt read --raw "$T" $va 1024 >page1024
expect_bytes page4096 xenpt read --raw "$T" $va 4K
expect_bytes page4096 xenpt read --raw "$T" $va 4k
expect_bytes page1024 xenpt read --raw "$T" $va 1K
expect_bytes page4096 xenpt read --raw "$T" $va 0x4K    # hex with a suffix: 4 KiB
expect_bytes page4096 xenpt read --raw --gfn 0x1300 "$T" 4K
expect_ok sh -c '[ "$("$XENPT" read --raw "$SYNTH_PV" 0xffffffff81300000 2K | wc -c)" -eq 2048 ]'
# 1M crosses pages: every byte of the first page as with 4096
expect_ok sh -c '"$XENPT" read --raw "$SYNTH_PV" 0xffffffff81300000 1M 2>/dev/null | head -c 4096 | cmp -s - page4096'
# JSON says how many bytes it read
expect_jq '.length == 1024' xenpt -j read "$T" $va 1K
# the limit is 4G: 4G passes the parser, 5G does not; junk suffixes are refused
expect_fail 2 "'5G' is not a length \\(1 to 4G\\)" xenpt read "$T" $va 5G
expect_fail 2 "'1KB' is not a length" xenpt read "$T" $va 1KB
expect_fail 2 "'1X' is not a length" xenpt read "$T" $va 1X
expect_fail 2 "'K' is not a length" xenpt read "$T" $va K
expect_fail 2 "'0K' is not a length" xenpt read "$T" $va 0K
# sizes are for lengths: an address with a suffix is not an address
expect_fail 2 "'4K' is not a virtual address" xenpt read "$T" 4K 16
done_testing
