#!/bin/sh
test_description='vcpu --symbols: RIP and the #PF handler of the test guest core named, against nm and the guest console'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/dis-lib.sh"
need build/fixtures/xenpt-testguest.core build/fixtures/xenpt-testguest.elf
dis_need_libelf
G=core:build/fixtures/xenpt-testguest.core
ELF=build/fixtures/xenpt-testguest.elf
nm -n "$ELF" >System.map

# the guest's console (tests/fixtures/xenpt-testguest.README): pf_entry=0xffffffff8000808b;
# nm: the symbol at that address
expect_ok grep -q '^ffffffff8000808b T pf_entry$' System.map   # no size: a label in head.S
expect_jq '.[0].page_fault_handler | .address == "0xffffffff8000808b" and .address_symbol == "pf_entry"' \
	xenpt -j vcpu --symbols "$ELF" "$G"
expect_jq '.[0].page_fault_handler.address_symbol == "pf_entry"' xenpt -j vcpu --symbols System.map "$G"
# RIP 0xffffffff800003aa (the guest is in a hypercall, in its hypercall page):
# xenpt names one of the symbols nm lists at the highest address at or below it
# (hypercall_page and image_start share 0xffffffff80000000), with the offset
rip=ffffffff800003aa
top=$(awk -v r=$rip '$1 <= r && $2 !~ /^[aAUw]$/ { a = $1 } END { print a }' System.map)
awk -v a="$top" -v off=$(printf %x $(( 0x$(echo $rip | cut -c9-) - 0x$(echo "$top" | cut -c9-) ))) \
	'$1 == a { print $3 "+0x" off }' System.map >rip-nm-all
capture rip-xenpt through "jq -r '.[0].rip_symbol'" xenpt -j vcpu --symbols "$ELF" "$G"
expect_ok grep -qxF -f rip-xenpt rip-nm-all
expect_cmp vcpu-testguest-symbols.txt xenpt vcpu --symbols "$ELF" "$G"
# without --symbols nothing changes
expect_jq '.[0] | has("rip_symbol") | not' xenpt -j vcpu "$G"
done_testing
