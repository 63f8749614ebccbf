#!/bin/sh
test_description='dis and symbols on the real dump-core of the project PV test guest, against nm, objcopy and objdump of its ELF'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/dis-lib.sh"
need build/fixtures/xenpt-testguest.core build/fixtures/xenpt-testguest.elf
dis_need_libelf
G=core:build/fixtures/xenpt-testguest.core
ELF=build/fixtures/xenpt-testguest.elf

# The independent truth: nm's symbol list of the guest kernel (`make guest`),
# and, as a System.map, the same list given to xenpt as text.
nm -n "$ELF" >System.map
# The ELF is the kernel that was dumped: its .text bytes (objcopy) are the
# core's bytes at the same VAs (the console of the dump, in
# tests/fixtures/xenpt-testguest.README, names hook_log at 0xffffffff8000af60).
objcopy -O binary --only-section=.text "$ELF" text.bin
text_vma=$(objdump -h "$ELF" | awk '$2 == ".text" { print $4 }')
for s in pf_entry hook_log hook_alloc hook_fault alloc_pfn log_line; do
	a=$(awk -v s="$s" '$3 == s { print $1 }' System.map)
	off=$(( 0x$(echo "$a" | cut -c9-) - 0x$(echo "$text_vma" | cut -c9-) ))
	capture "elf-$s" dd if=text.bin bs=1 skip="$off" count=48 status=none
	capture "core-$s" xenpt read --raw "$G" "0x$a" 48
	expect_same "elf-$s" "core-$s" "the ELF's bytes of $s (nm: 0x$a) are the core's"
	# the symbol as an address, from the ELF (libelf) and from the System.map
	expect_jq ".address == \"0x$a\"" xenpt -j read --symbols "$ELF" "$G" "$s" 1
	expect_jq ".address == \"0x$a\"" xenpt -j read --symbols System.map "$G" "$s" 1
	expect_jq ".va == \"0x$a\"" xenpt -j walk --symbols "$ELF" "$G" "$s"
done
# sym+off and sym-off
a=$(awk '$3 == "hook_log" { print $1 }' System.map)
expect_jq ".address == \"0x$(printf %x $(( 0x$(echo "$a" | cut -c9-) + 0x10 )) | sed 's/^/ffffffff/')\"" \
	xenpt -j read --symbols "$ELF" "$G" hook_log+0x10 1
expect_jq '.va == "0xffffffff8000af58"' xenpt -j walk --symbols "$ELF" "$G" hook_log-8
# every function start of the .text nm lists is labelled with its name by dis
capture nm-funcs through "awk '\$2 ~ /^[Tt]\$/ && \$3 ~ /^hook_/ { print \"0x\" \$1, \$3 }'" cat System.map
capture dis-funcs through "jq -r '.instructions[] | select(.symbol and (.symbol | test(\"^hook_[a-z_]+\$\"))) | \"\(.address) \(.symbol)\"'" \
	xenpt -j dis --symbols "$ELF" "$G" hook_log 400
expect_same nm-funcs dis-funcs "dis names every hook_* function at nm's address"

# golden: the #PF entry (the guest's console: pf_entry=0xffffffff8000808b)
# with symbols from the ELF, and the same code checked against objdump
expect_cmp dis-testguest-pf.txt xenpt dis --symbols "$ELF" "$G" pf_entry 12
dis_vs_objdump "$G" 0xffffffff8000808b 40 "pf_entry: boundaries and mnemonics as objdump"
dis_vs_objdump "$G" 0xffffffff8000af60 120 "hook_log..: boundaries and mnemonics as objdump"
# backwards: the instructions before hook_fault+0x12 are the ones objdump finds from hook_fault
expect_cmp dis-testguest-before.txt xenpt dis --symbols "$ELF" "$G" hook_fault+0x12 3 --before 6
# the stream from the start --before chose, decoded forward by objdump, lands on the address
start=$(xenpt -j dis --symbols "$ELF" "$G" hook_fault+0x12 1 --before 6 | jq -r .before.start)
capture before-ours through "jq -r '.instructions[:-1][] | .address' | sed 's/^0x//'" \
	xenpt -j dis --symbols "$ELF" "$G" hook_fault+0x12 1 --before 6
capture before-theirs through "awk -F '\t' 'NF >= 3 { a = \$1; gsub(/[ :]/, \"\", a); print a }'" \
	sh -c "xenpt() { \"\$XENPT\" \"\$@\"; }; xenpt read --raw $G $start 13 >b.bin && objdump -D -b binary -m i386:x86-64 --adjust-vma=$start b.bin"
expect_same before-ours before-theirs "--before: objdump finds the same boundaries from the chosen start"
# the address itself inside an instruction (hook_fault+0x10 is in mov rbx, rcx): no
# backward stream lands there, and dis says so rather than print one that does not
expect_cmp dis-testguest-misaligned.txt xenpt dis --symbols "$ELF" "$G" hook_fault+0x10 1 --before 4
# RIP (the guest was holding in its idle loop) and its symbol
expect_jq '.rip_of_vcpu == 0 and .instructions[0].address == "0xffffffff800003aa"' \
	xenpt -j dis --at-rip --symbols "$ELF" "$G" 1
done_testing
