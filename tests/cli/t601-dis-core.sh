#!/bin/sh
test_description='dis on the real Linux PV dump-core: the #PF handler vcpu names, RIP with --before, all against objdump'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/dis-lib.sh"
need "$CORE_FILE"

# The #PF handler of the virtual trap table, as `xenpt vcpu` reports it
# (Linux's xen_asm_exc_page_fault: pop rcx; pop r11; jmp asm_exc_page_fault).
capture pf through "jq -r '.[0].page_fault_handler.address'" xenpt -j vcpu "$CORE"
pf=$(cat pf)
expect_ok test "$pf" = 0xffffffff81027e70
expect_cmp dis-core-pf.txt xenpt dis "$CORE" "$pf" 8
dis_vs_objdump "$CORE" "$pf" 64 "#PF handler and the stubs after it: as objdump"
# RIP: the guest was in a hypercall (syscall); the instructions before it decoded backwards
expect_cmp dis-core-rip.txt xenpt dis --at-rip --before 3 "$CORE" 4
rip=$(xenpt -j vcpu "$CORE" | jq -r '.[0].regs.rip')
dis_vs_objdump "$CORE" "$rip" 8 "code at RIP: as objdump"
start=$(xenpt -j dis --at-rip --before 3 "$CORE" 1 | jq -r .before.start)
dis_vs_objdump "$CORE" "$start" 4 "the backward stream decoded forward by objdump lands on RIP"
expect_jq ".before.decoded == 3 and .instructions[3].address == \"$rip\"" xenpt -j dis --at-rip --before 3 "$CORE" 1
# a jump into an unmapped page is flagged; AT&T syntax
expect_jq '.instructions[2] | .branch == "jump" and .target == "0xffffffff81c00be0" and .target_mapped' \
	xenpt -j dis "$CORE" "$pf" 3
expect_cmp dis-core-att.txt xenpt dis --att --symbols none "$CORE" "$pf" 3   # without the guest's kallsyms
done_testing
