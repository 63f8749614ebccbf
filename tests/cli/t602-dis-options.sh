#!/bin/sh
test_description='dis: unreadable bytes and why, branch targets in unmapped pages, syntaxes, usage errors'
. "$(dirname "$0")/lib.sh"
need "$SYNTH_PV_FILE" build/guest/xenpt-testguest
. "$TEST_DIR/dis-lib.sh"
dis_need_libelf

# The demo domain with code written into its kernel text (mapped
# 0xffffffff81000000-0xffffffff81400000; nothing from there to 0xffffffffa0000000):
#   0xffffffff81000100  e8 fb fe ff 0e   call 0xffffffff90000000   (not mapped)
#   0xffffffff81000105  e9 f6 fe ff ff   jmp  0xffffffff81000000   (mapped)
#   0xffffffff8100010a  c3               ret
# and the first 3 bytes of a 10-byte movabs at the very end of the mapping.
cp "$SYNTH_PV_FILE" code.synth
cat >>code.synth <<'SYNTH'
write va=0xffffffff81000100 hex=e8fbfeff0ee9f6feffffc3
write va=0xffffffff813ffffd hex=48b811
write root=user va=0x1a00100 hex=89e5e800000000c3
SYNTH
S=synth:code.synth
expect_cmp dis-synth-branches.txt xenpt dis "$S" 0xffffffff81000100 3
expect_jq '.instructions | (.[0] | .branch == "call" and .target == "0xffffffff90000000" and (.target_mapped | not)
	and .target_end == "not_present") and (.[1] | .branch == "jump" and .target_mapped) and (.[2].branch == "return")' \
	xenpt -j dis "$S" 0xffffffff81000100 3
expect_cmp dis-synth-cut.txt xenpt dis "$S" 0xffffffff813ffffd 4
expect_jq '.instructions == [{"address": "0xffffffff813ffffd", "bytes": "48b811", "unreadable": "not_present",
	"unreadable_va": "0xffffffff81400000", "why": "not present at L2"}]' xenpt -j dis "$S" 0xffffffff813ffffd
expect_cmp dis-synth-unmapped.txt xenpt dis "$S" 0xffffffff90000000
expect_cmp dis-synth-att.txt xenpt dis --att "$S" 0xffffffff81000100 3
# 32-bit code in the process's heap (user L4): mov ebp, esp; call 0x1a00107; ret
expect_cmp dis-synth-32.txt xenpt dis --32 --user "$S" 0x1a00100 3
expect_stderr 2 'not a 32-bit address' xenpt dis --32 "$S" 0xffffffff81000100
# --before where the bytes before cannot be read
expect_jq '.before.decoded == 0 and (.before.why_not | test("cannot be read"))' \
	xenpt -j dis --before 2 "$S" 0xffffffff81000000 1

# usage
expect_stderr 2 'give an ADDR or --at-rip' xenpt dis "$S"
expect_stderr 2 "'zz' is not a COUNT" xenpt dis "$S" 0xffffffff81000100 zz
expect_stderr 2 "'0' is not a COUNT" xenpt dis "$S" 0xffffffff81000100 0
expect_stderr 2 '--before: .99. is not a count' xenpt dis --before 99 "$S" 0xffffffff81000100
expect_stderr 2 'unexpected argument' xenpt dis --at-rip "$S" 4 5
expect_stderr 2 '--at-rip needs a vCPU' xenpt dis --at-rip --cr3 0x1000 "$S"
expect_stderr 2 'give --symbols' xenpt dis "$S" startup_64
expect_stderr 2 "'nosuch' is not a number, a register or a known symbol" xenpt dis --symbols build/guest/xenpt-testguest "$S" nosuch+4
expect_stderr 2 "not 'ADDRESS TYPE NAME'" xenpt dis --symbols "$SYNTH_PV_FILE" "$S" 0
expect_stderr 2 'opening /nonexistent' xenpt walk --symbols /nonexistent "$S" 0
expect_jq -s 2 '.error.code == "invalid_arg"' xenpt -j dis "$S"
done_testing
