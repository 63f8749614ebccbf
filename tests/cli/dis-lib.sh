# SPDX-License-Identifier: MIT
# tests/cli/dis-lib.sh: shared by the t6*-dis-*.sh files, after lib.sh.
#
#   dis_need_capstone
#       skip_all the file when xenpt was built without Capstone (no
#       libcapstone-dev: the environment, not a failure)
#   dis_need_libelf
#       the same for ELF symbol files (libelf-dev)
#
#   dis_vs_objdump TARGET ADDR COUNT DESC
#       `xenpt dis` of COUNT instructions at ADDR against GNU objdump's
#       reading of the same bytes (taken with `xenpt read --raw`,
#       disassembled with objdump -D -b binary -m i386:x86-64 -M intel
#       --adjust-vma=ADDR): every instruction boundary and mnemonic equal.
#       Formatting of operands is not compared (the two tools spell them
#       differently).  Capstone says "(bad)" like objdump; the spellings
#       of the same instruction that differ are mapped in dis-objdump.awk.

dis_need_capstone() {
	"$XENPT" dis "$SYNTH_PV" 0xffffffff81000000 1 2>&1 | grep -q 'built without Capstone' &&
		skip_all "xenpt was built without Capstone (libcapstone-dev)"
	return 0
}

dis_need_libelf() {
	"$XENPT" walk --symbols "$XENPT" "$SYNTH_PV" 0 2>&1 | grep -q 'built without libelf' &&
		skip_all "xenpt was built without libelf (libelf-dev)"
	return 0
}

command -v objdump >/dev/null 2>&1 || skip_all "objdump (binutils) is not installed"
dis_need_capstone

dis_vs_objdump() {
	_dt=$1 _da=$2 _dn=$3 _dd=$4
	capture "$TRASH/dis.json" xenpt -j dis "$_dt" "$_da" "$_dn"
	# bytes covered: from ADDR to the end of the last instruction
	_dlen=$(jq -r '[.instructions[] | (.bytes | length / 2)] | add' "$TRASH/dis.json" 2>/dev/null)
	capture "$TRASH/dis.bin" xenpt read --raw "$_dt" "$_da" "${_dlen:-1}"
	capture "$TRASH/dis.ours" through 'jq -r ".instructions[] | \"\(.address | ltrimstr(\"0x\")) \(.mnemonic)\""' \
		cat "$TRASH/dis.json"
	capture "$TRASH/dis.theirs" through \
		"awk -F '\t' -f \"\$TEST_DIR/dis-objdump.awk\"" \
		objdump -D -b binary -m i386:x86-64 -M intel --adjust-vma="$_da" "$TRASH/dis.bin"
	expect_same "$TRASH/dis.ours" "$TRASH/dis.theirs" "$_dd"
}
